package dev.marketplace.server.catalog;

/** What a bulk upsert did with one item. */
public enum UpsertOutcome {
    CREATED("created"),
    UPDATED("updated"),
    UNCHANGED("unchanged"),
    REJECTED("rejected");

    private final String wireName;

    UpsertOutcome(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }
}
