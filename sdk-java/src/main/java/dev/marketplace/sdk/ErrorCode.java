package dev.marketplace.sdk;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The machine-readable reason of an error answer ({@link MarketplaceException#code()}), an enum-like type: compare
 * with the constants ({@code e.code() == ErrorCode.VERSION_CONFLICT} or {@code equals}), or switch on {@link #value()}.
 * A code this SDK version does not know (a newer server) still comes through, {@link #isKnown()} false.
 * {@link #CONNECTION_FAILED} is the SDK's own: no answer arrived.
 */
public final class ErrorCode {

    private static final Map<String, ErrorCode> KNOWN = new LinkedHashMap<>();

    /** Some fields were invalid; fieldErrors() names each one. */
    public static final ErrorCode VALIDATION_FAILED = known("validation_failed");
    /** The body is not JSON. */
    public static final ErrorCode MALFORMED_JSON = known("malformed_json");
    /** The body nests more than 32 levels. */
    public static final ErrorCode JSON_TOO_DEEP = known("json_too_deep");
    /** The request could not be read. */
    public static final ErrorCode BAD_REQUEST = known("bad_request");
    /** A feed cursor older than the feed's retention: resynchronise, then follow from the start. */
    public static final ErrorCode CURSOR_EXPIRED = known("cursor_expired");
    /** The access token is missing, expired or revoked. */
    public static final ErrorCode INVALID_TOKEN = known("invalid_token");
    /** The token endpoint refused the client's credentials. */
    public static final ErrorCode INVALID_CLIENT = known("invalid_client");
    /** The token endpoint refused a code, refresh token or verifier. */
    public static final ErrorCode INVALID_GRANT = known("invalid_grant");
    /** The token endpoint refused a malformed request. */
    public static final ErrorCode INVALID_REQUEST = known("invalid_request");
    /** A scope asked for is unknown or not allowed to the client. */
    public static final ErrorCode INVALID_SCOPE = known("invalid_scope");
    /** The client may not use this grant. */
    public static final ErrorCode UNAUTHORIZED_CLIENT = known("unauthorized_client");
    /** The token endpoint does not know this grant. */
    public static final ErrorCode UNSUPPORTED_GRANT_TYPE = known("unsupported_grant_type");
    /** The access token lacks the operation's scope. */
    public static final ErrorCode INSUFFICIENT_SCOPE = known("insufficient_scope");
    /** The operation needs a customer-bound token. */
    public static final ErrorCode CUSTOMER_REQUIRED = known("customer_required");
    /** A public client (PKCE) may not do this. */
    public static final ErrorCode PUBLIC_CLIENT = known("public_client");
    /** The caller's principal may not do this (an operator creating a merchant's stock location, say). */
    public static final ErrorCode FORBIDDEN = known("forbidden");
    /** No such resource, or not one this client may see. */
    public static final ErrorCode NOT_FOUND = known("not_found");
    /** The path does not take this method. */
    public static final ErrorCode METHOD_NOT_ALLOWED = known("method_not_allowed");
    /** The version in the body is stale; currentVersion() tells the current one. */
    public static final ErrorCode VERSION_CONFLICT = known("version_conflict");
    /** The If-Match version is stale; currentVersion() tells the current one. */
    public static final ErrorCode PRECONDITION_FAILED = known("precondition_failed");
    /** The update needs a version (in the body or If-Match). */
    public static final ErrorCode PRECONDITION_REQUIRED = known("precondition_required");
    /** A request with this idempotency key is still running; retry later. */
    public static final ErrorCode IDEMPOTENCY_REQUEST_IN_PROGRESS = known("idempotency_request_in_progress");
    /**
     * The first request with this idempotency key took effect but its answer was lost: it is not run again; read the
     * resource (the problem's {@code committedAt} says when). Not retryable.
     */
    public static final ErrorCode IDEMPOTENCY_OUTCOME_COMMITTED = known("idempotency_outcome_committed");
    /** The idempotency key was used for a different request. */
    public static final ErrorCode IDEMPOTENCY_KEY_REUSED = known("idempotency_key_reused");
    /** The coupon has started: its discount and minimum spend can no longer change. */
    public static final ErrorCode COUPON_STARTED = known("coupon_started");
    /** The coupon has ended and can no longer change. */
    public static final ErrorCode COUPON_ENDED = known("coupon_ended");
    /** A coupon's use limit or budget may not go below what is already used or spent. */
    public static final ErrorCode COUPON_LIMIT_BELOW_USED = known("coupon_limit_below_used");
    /** A limit the coupon was created without cannot be added. */
    public static final ErrorCode COUPON_LIMIT_ABSENT = known("coupon_limit_absent");
    /** The merchant's deposit cannot be given back while it has sub-orders not yet released. */
    public static final ErrorCode MERCHANT_HAS_OPEN_SUB_ORDERS = known("merchant_has_open_sub_orders");
    /** The body is too large. */
    public static final ErrorCode PAYLOAD_TOO_LARGE = known("payload_too_large");
    /** The request line (path and query) is longer than the server reads. */
    public static final ErrorCode URI_TOO_LONG = known("uri_too_long");
    /** The body's media type is not accepted. */
    public static final ErrorCode UNSUPPORTED_MEDIA_TYPE = known("unsupported_media_type");
    /** Too many requests; wait for Retry-After. */
    public static final ErrorCode RATE_LIMITED = known("rate_limited");
    /** The server failed. */
    public static final ErrorCode INTERNAL_ERROR = known("internal_error");
    /** The server cannot answer now; retry later. */
    public static final ErrorCode SERVICE_UNAVAILABLE = known("service_unavailable");
    /** A sibling category has this name. */
    public static final ErrorCode CATEGORY_NAME_TAKEN = known("category_name_taken");
    /** The category has children. */
    public static final ErrorCode CATEGORY_NOT_EMPTY = known("category_not_empty");
    /** Products use the category. */
    public static final ErrorCode CATEGORY_IN_USE = known("category_in_use");
    /** The move would put a category under itself. */
    public static final ErrorCode CATEGORY_CYCLE = known("category_cycle");
    /** The move would nest categories too deep. */
    public static final ErrorCode CATEGORY_TOO_DEEP = known("category_too_deep");
    /** The merchant is not active. */
    public static final ErrorCode MERCHANT_NOT_ACTIVE = known("merchant_not_active");
    /** The merchant application does not meet the admission rules. */
    public static final ErrorCode ADMISSION_RULES_NOT_MET = known("admission_rules_not_met");
    /** The resource's state forbids this change; currentState() tells its state. */
    public static final ErrorCode ILLEGAL_STATUS_TRANSITION = known("illegal_status_transition");
    /** Another product has this external id. */
    public static final ErrorCode EXTERNAL_ID_TAKEN = known("external_id_taken");
    /** Another variant has this SKU. */
    public static final ErrorCode SKU_TAKEN = known("sku_taken");
    /** Another upsert of the same external id ran at the same time; retry. */
    public static final ErrorCode CONCURRENT_UPSERT = known("concurrent_upsert");
    /** Another location has this code. */
    public static final ErrorCode LOCATION_CODE_TAKEN = known("location_code_taken");
    /** A stock update item's error: on hand may not go below what is reserved. */
    public static final ErrorCode BELOW_RESERVED = known("below_reserved");
    /** Some lines cannot be covered; the problem's unavailableLines name them. */
    public static final ErrorCode INSUFFICIENT_STOCK = known("insufficient_stock");
    /** The cart has no lines. */
    public static final ErrorCode CART_EMPTY = known("cart_empty");
    /** The cart already became an order; the problem's orderId names it. */
    public static final ErrorCode CART_CHECKED_OUT = known("cart_checked_out");
    /** The cart belongs to no customer yet. */
    public static final ErrorCode CART_NOT_CLAIMED = known("cart_not_claimed");
    /** The lines are in different currencies. */
    public static final ErrorCode CURRENCY_MISMATCH = known("currency_mismatch");
    /** A variant is no longer for sale. */
    public static final ErrorCode VARIANT_UNAVAILABLE = known("variant_unavailable");
    /** Prices changed since the cart was priced. */
    public static final ErrorCode PRICES_CHANGED = known("prices_changed");
    /** Some lines cannot be bought. */
    public static final ErrorCode LINES_UNAVAILABLE = known("lines_unavailable");
    /** A payment of the order is still running. */
    public static final ErrorCode PAYMENT_IN_PROGRESS = known("payment_in_progress");
    /** A field error of {@code paymentMethod}: the payment provider refused the payment. */
    public static final ErrorCode PAYMENT_REFUSED = known("payment_refused");
    /** Orders still being processed forbid this. */
    public static final ErrorCode ORDERS_IN_PROGRESS = known("orders_in_progress");
    /** The customer was erased. */
    public static final ErrorCode CUSTOMER_ERASED = known("customer_erased");
    /** Another customer has this email. */
    public static final ErrorCode EMAIL_TAKEN = known("email_taken");
    /** The webhook's signature or body is invalid. */
    public static final ErrorCode INVALID_WEBHOOK = known("invalid_webhook");
    /** That storefront or partner principal is a channel already. */
    public static final ErrorCode CHANNEL_PRINCIPAL_TAKEN = known("channel_principal_taken");
    /** A channel holds that code already. */
    public static final ErrorCode CHANNEL_CODE_TAKEN = known("channel_code_taken");
    /** A channel deposit with that reference was recorded. */
    public static final ErrorCode DEPOSIT_REFERENCE_TAKEN = known("deposit_reference_taken");
    /** The channel's deposit holds less than the draw. */
    public static final ErrorCode DEPOSIT_INSUFFICIENT = known("deposit_insufficient");
    /** Only a refund the provider finally refused ({@code failed}) can be retried. */
    public static final ErrorCode REFUND_NOT_FAILED = known("refund_not_failed");
    /** That service ticket of the channel was recorded. */
    public static final ErrorCode SERVICE_RESPONSE_TAKEN = known("service_response_taken");
    /** The customer has fewer points than the checkout redeems. */
    public static final ErrorCode INSUFFICIENT_POINTS = known("insufficient_points");
    /** More points than the order may take (maximumPoints). */
    public static final ErrorCode POINTS_ABOVE_MAXIMUM = known("points_above_maximum");
    /** The order is not in the points programme's currency. */
    public static final ErrorCode POINTS_CURRENCY = known("points_currency");
    /** Those points were spent or exchanged already. */
    public static final ErrorCode POINTS_ALREADY_USED = known("points_already_used");
    /** Another tier starts at that rolling spend. */
    public static final ErrorCode TIER_SPEND_TAKEN = known("tier_spend_taken");
    /** No coupon has that code (couponCode). */
    public static final ErrorCode COUPON_UNKNOWN = known("coupon_unknown");
    /** The coupon is not valid now, for this currency, these goods or this spend (couponCode). */
    public static final ErrorCode COUPON_NOT_APPLICABLE = known("coupon_not_applicable");
    /** The coupon's uses, budget or per-customer uses are used up (couponCode). */
    public static final ErrorCode COUPON_EXHAUSTED = known("coupon_exhausted");
    /** More than one coupon of one funder (couponCode). */
    public static final ErrorCode COUPONS_NOT_STACKABLE = known("coupons_not_stackable");
    /** Another coupon has that code. */
    public static final ErrorCode COUPON_CODE_TAKEN = known("coupon_code_taken");
    /** The points campaign has ended; it does not change. */
    public static final ErrorCode CAMPAIGN_ENDED = known("campaign_ended");
    /** The points campaign has started: only its name and end can change. */
    public static final ErrorCode CAMPAIGN_STARTED = known("campaign_started");
    /** The customer reviewed that line already. */
    public static final ErrorCode REVIEW_EXISTS = known("review_exists");
    /** Only a delivered line can be reviewed. */
    public static final ErrorCode LINE_NOT_DELIVERED = known("line_not_delivered");
    /** The review can no longer be edited. */
    public static final ErrorCode EDIT_WINDOW_CLOSED = known("edit_window_closed");
    /** The review has its reply already. */
    public static final ErrorCode REVIEW_ALREADY_REPLIED = known("review_already_replied");
    /** That principal is a partner already. */
    public static final ErrorCode PARTNER_EXISTS = known("partner_exists");
    /** The partner is not active. */
    public static final ErrorCode PARTNER_INACTIVE = known("partner_inactive");
    /** Exchange terms from that time exist already. */
    public static final ErrorCode TERMS_EXIST = known("terms_exist");
    /** No exchange terms apply now. */
    public static final ErrorCode NO_EXCHANGE_TERMS = known("no_exchange_terms");
    /** The terms would let points go round at a profit (conflictingTermsId). */
    public static final ErrorCode EXCHANGE_LOOP = known("exchange_loop");
    /** The terms would give the customer more value than they give. */
    public static final ErrorCode EXCHANGE_ABOVE_VALUE = known("exchange_above_value");
    /** Fewer points than the terms' minimum (minimum). */
    public static final ErrorCode EXCHANGE_BELOW_MINIMUM = known("exchange_below_minimum");
    /** Not a multiple of the terms' step (step). */
    public static final ErrorCode EXCHANGE_OFF_STEP = known("exchange_off_step");
    /** The customer's daily cap would be passed (cap). */
    public static final ErrorCode EXCHANGE_DAILY_CAP = known("exchange_daily_cap");
    /** The customer's monthly cap would be passed (cap). */
    public static final ErrorCode EXCHANGE_MONTHLY_CAP = known("exchange_monthly_cap");
    /** The partner's daily cap would be passed (cap). */
    public static final ErrorCode EXCHANGE_PARTNER_DAILY_CAP = known("exchange_partner_daily_cap");
    /** The exchange completed; it can no longer change that way. */
    public static final ErrorCode EXCHANGE_COMPLETED = known("exchange_completed");
    /** The exchange can no longer be reversed. */
    public static final ErrorCode REVERSAL_WINDOW_PASSED = known("reversal_window_passed");
    /** That partner member is linked already. */
    public static final ErrorCode MEMBER_ALREADY_LINKED = known("member_already_linked");
    /** The customer has no link to that partner. */
    public static final ErrorCode MEMBER_NOT_LINKED = known("member_not_linked");
    /** The partner's lease limit would be passed (limit). */
    public static final ErrorCode LEASE_LIMIT_REACHED = known("lease_limit_reached");
    /** That assortment is shared with the partner already. */
    public static final ErrorCode SHARE_EXISTS = known("share_exists");
    /** A stock sync of the connection is running. */
    public static final ErrorCode SYNC_IN_PROGRESS = known("sync_in_progress");
    /** Only a refused forward can be retried or cancelled. */
    public static final ErrorCode FORWARD_NOT_REFUSED = known("forward_not_refused");
    /** The webhook endpoint is disabled. */
    public static final ErrorCode ENDPOINT_DISABLED = known("endpoint_disabled");
    /** The parked event's handler failed again. */
    public static final ErrorCode EVENT_HANDLING_FAILED = known("event_handling_failed");
    /** Set by the SDK, never sent by the server: the connection failed after all retries, or the answer could not be read. */
    public static final ErrorCode CONNECTION_FAILED = known("connection_failed");

    private final String value;
    private final boolean known;

    private ErrorCode(String value, boolean known) {
        this.value = value;
        this.known = known;
    }

    private static ErrorCode known(String value) {
        ErrorCode code = new ErrorCode(value, true);
        KNOWN.put(value, code);
        return code;
    }

    /** The code for a value: a constant when it is one, otherwise a new unknown code. */
    public static ErrorCode of(String value) {
        Objects.requireNonNull(value, "value");
        ErrorCode code = KNOWN.get(value);
        return code != null ? code : new ErrorCode(value, false);
    }

    /** Every code this SDK version knows. */
    public static Collection<ErrorCode> values() {
        return Collections.unmodifiableCollection(KNOWN.values());
    }

    /** The code as the server sends it, such as {@code version_conflict}. */
    public String value() {
        return value;
    }

    /** Whether this SDK version knows the code (it is one of the constants). */
    public boolean isKnown() {
        return known;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ErrorCode other && value.equals(other.value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }

    @Override
    public String toString() {
        return value;
    }
}
