package dev.marketplace.server.settlement;

import static dev.marketplace.schema.Tables.ADJUSTMENT;

import dev.marketplace.schema.tables.records.AdjustmentRecord;
import dev.marketplace.server.platform.events.DomainEvents;
import dev.marketplace.server.platform.events.MoneyMovement;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.security.Principal;
import java.time.OffsetDateTime;
import java.util.UUID;
import java.util.function.BiConsumer;
import org.jooq.DSLContext;

/**
 * The operator's adjustments of a merchant's payable (decision 32): a credit (the merchant is owed more) or a debit,
 * with a reason and who made it, posted through the {@code adjustment} money event in the same transaction. A retry
 * is answered by the {@code Idempotency-Key} (the request's, kept by the platform); each write is in the audit trail.
 */
final class Adjustments {

    enum Direction {
        CREDIT,
        DEBIT
    }

    record Adjustment(UUID id, UUID merchantId, Direction direction, Money amount, String reason, String createdBy,
                      OffsetDateTime createdAt) {
    }

    private final DSLContext dsl;
    /** Throws the merchants domain's 404 for an unknown merchant. */
    private final BiConsumer<Principal, UUID> merchantMustExist;

    Adjustments(DSLContext dsl, BiConsumer<Principal, UUID> merchantMustExist) {
        this.dsl = dsl;
        this.merchantMustExist = merchantMustExist;
    }

    Adjustment create(Principal caller, UUID merchantId, Direction direction, Money amount, String reason) {
        if (!caller.isOperator()) {
            throw ProblemException.forbidden("Only the operator adjusts a merchant's balance.");
        }
        merchantMustExist.accept(caller, merchantId);
        boolean credit = direction == Direction.CREDIT;
        return dsl.transactionResult(tx -> {
            AdjustmentRecord row = tx.dsl().insertInto(ADJUSTMENT)
                    .set(ADJUSTMENT.ID, UUID.randomUUID())
                    .set(ADJUSTMENT.MERCHANT_ID, merchantId)
                    .set(ADJUSTMENT.CURRENCY, amount.currency())
                    .set(ADJUSTMENT.AMOUNT, credit ? amount.amount() : Math.negateExact(amount.amount()))
                    .set(ADJUSTMENT.REASON, reason)
                    .set(ADJUSTMENT.CREATED_BY, caller.clientId())
                    .returning().fetchSingle();
            DomainEvents.append(tx.dsl(), MoneyMovement.adjustment(row.getId(), merchantId, amount, credit));
            return new Adjustment(row.getId(), merchantId, direction, amount, reason, row.getCreatedBy(), row.getCreatedAt());
        });
    }
}
