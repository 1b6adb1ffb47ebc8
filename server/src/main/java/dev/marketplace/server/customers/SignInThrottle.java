package dev.marketplace.server.customers;

import static dev.marketplace.schema.Tables.SIGN_IN_FAILURE;

import java.time.Duration;
import java.time.OffsetDateTime;
import org.jooq.DSLContext;

/**
 * Failed sign-ins throttled per account and per client address, counted in PostgreSQL so that every node
 * agrees. An account is keyed by the email typed, whether or not it exists, so throttling reveals nothing.
 */
final class SignInThrottle {

    private final int accountMaxFailures;
    private final int addressMaxFailures;
    private final Duration window;

    SignInThrottle(int accountMaxFailures, int addressMaxFailures, Duration window) {
        this.accountMaxFailures = accountMaxFailures;
        this.addressMaxFailures = addressMaxFailures;
        this.window = window;
    }

    Duration window() {
        return window;
    }

    boolean isThrottled(DSLContext db, String email, String address) {
        OffsetDateTime since = OffsetDateTime.now().minus(window);
        return failures(db, account(email), since) >= accountMaxFailures
                || failures(db, address(address), since) >= addressMaxFailures;
    }

    void recordFailure(DSLContext db, String email, String address) {
        OffsetDateTime since = OffsetDateTime.now().minus(window);
        db.deleteFrom(SIGN_IN_FAILURE).where(SIGN_IN_FAILURE.SUBJECT.in(account(email), address(address)),
                SIGN_IN_FAILURE.FAILED_AT.lt(since)).execute();
        db.insertInto(SIGN_IN_FAILURE, SIGN_IN_FAILURE.SUBJECT).values(account(email)).values(address(address)).execute();
    }

    /** A successful sign-in or password reset forgives the account's failures (not the address's). */
    void clearAccount(DSLContext db, String email) {
        db.deleteFrom(SIGN_IN_FAILURE).where(SIGN_IN_FAILURE.SUBJECT.eq(account(email))).execute();
    }

    /**
     * Deletes failures older than the window, which no longer count: a subject that never fails again (an address
     * that moved on, an email typed once) would otherwise keep its rows for ever. Returns how many it deleted.
     */
    int purgeExpired(DSLContext db) {
        return db.deleteFrom(SIGN_IN_FAILURE).where(SIGN_IN_FAILURE.FAILED_AT.lt(OffsetDateTime.now().minus(window))).execute();
    }

    private static int failures(DSLContext db, String subject, OffsetDateTime since) {
        return db.fetchCount(SIGN_IN_FAILURE, SIGN_IN_FAILURE.SUBJECT.eq(subject), SIGN_IN_FAILURE.FAILED_AT.ge(since));
    }

    private static String account(String email) {
        return "account:" + email;
    }

    private static String address(String address) {
        return "address:" + address;
    }
}
