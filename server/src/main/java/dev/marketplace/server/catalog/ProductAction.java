package dev.marketplace.server.catalog;

import java.util.Locale;

/** What moves a product through moderation (see {@link ProductStatus#after}). */
public enum ProductAction {
    /** The merchant asks for review; the compliance check runs. */
    SUBMIT,
    /** The operator publishes a product awaiting review. */
    APPROVE,
    /** The operator, or the compliance check, refuses a product awaiting review. */
    REJECT,
    /** The merchant changed what storefronts show: it has to be reviewed again. */
    EDIT_CONTENT;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
