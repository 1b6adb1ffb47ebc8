package dev.marketplace.server.merchants;

import dev.marketplace.server.catalog.CategoryService;
import dev.marketplace.server.clients.ApiClientService;
import dev.marketplace.server.platform.concurrency.ExpectedVersion;
import dev.marketplace.server.platform.events.DomainEvents;
import dev.marketplace.server.platform.events.DomainFact;
import dev.marketplace.server.platform.events.EventType;
import dev.marketplace.server.platform.events.Parties;
import dev.marketplace.server.platform.http.FieldError;
import dev.marketplace.server.platform.http.JsonP;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.pagination.Page;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.persistence.Constraints;
import dev.marketplace.server.platform.security.PiiKeys;
import dev.marketplace.server.platform.security.Principal;
import dev.marketplace.server.platform.security.PrincipalType;
import dev.marketplace.server.platform.security.Scopes;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jooq.DSLContext;
import org.jooq.exception.DataAccessException;

/**
 * Merchant onboarding and status. Each public method is one transaction, except {@link #approve}, which
 * commits the approval and then issues the first API client through {@link ApiClientService}.
 *
 * <p>Error codes, in the order they are checked: {@code not_found} (the merchant, also for another merchant's
 * id), {@code validation_failed}, {@code version_conflict} / {@code precondition_failed},
 * {@code illegal_status_transition} (with {@code currentState}), {@code admission_rules_not_met}.
 */
public final class MerchantService {

    /** The name of the API client an approval issues. */
    static final String FIRST_CLIENT_NAME = "Initial client";
    /** The longest handling time a merchant may promise. */
    public static final int MAX_HANDLING_DAYS = 60;

    /** The approved merchant and its first client's credentials (the secret shown once). */
    public record Approval(Merchant merchant, ApiClientService.ClientCredentials credentials) {
    }

    private final DSLContext dsl;
    private final CategoryService categories;
    private final ApiClientService clients;
    private final AdmissionRules admissionRules;
    private final MerchantPlans plans;
    private final MerchantRepository repository;

    public MerchantService(DSLContext dsl, CategoryService categories, ApiClientService clients,
                           AdmissionRules admissionRules, MerchantPlans plans, PiiKeys piiKeys) {
        this.dsl = dsl;
        this.repository = new MerchantRepository(piiKeys);
        this.categories = categories;
        this.clients = clients;
        this.admissionRules = admissionRules;
        this.plans = plans;
    }

    /** Records an application as pending, with the admission rules it breaks; only an unknown category or plan refuses it. */
    public Merchant apply(Principal caller, MerchantApplication application) {
        List<FieldError> errors = new ArrayList<>();
        if (!categories.exists(application.categoryId())) {
            errors.add(new FieldError("categoryId", FieldError.NOT_FOUND, "names no existing category"));
        }
        Optional<MerchantPlan> plan = plans.find(application.planCode());
        if (plan.isEmpty()) {
            errors.add(new FieldError("plan", FieldError.OUT_OF_RANGE,
                    FieldError.oneOf(plans.codes())));
        }
        if (!errors.isEmpty()) {
            throw ProblemException.validation(errors);
        }
        List<AdmissionFinding> findings = admissionRules.check(application);
        try {
            return dsl.transactionResult(tx -> {
                DSLContext db = tx.dsl();
                Merchant merchant = repository.insert(db, UUID.randomUUID(), application, plan.get(), findings);
                repository.recordStatusChange(db, merchant.id(), null, MerchantStatus.PENDING, List.of(), caller);
                return merchant;
            });
        } catch (DataAccessException e) {
            if (Constraints.isViolated(e, MerchantRepository.CATEGORY_CONSTRAINT)) { // deleted since the check
                throw ProblemException.validation("categoryId", FieldError.NOT_FOUND, "names no existing category");
            }
            throw e;
        }
    }

    /**
     * Whether this merchant exists and is active: only an active merchant may add to the catalog. Read through
     * {@code db}: the caller's transaction when it is in one, so that it does not hold a second pooled connection.
     */
    public boolean isActive(DSLContext db, UUID merchantId) {
        return repository.statusOf(db, merchantId).filter(status -> status == MerchantStatus.ACTIVE).isPresent();
    }

    /** Which of these merchants are active, i.e. may take orders; unknown ids are left out. */
    public Set<UUID> activeAmong(DSLContext db, Collection<UUID> merchantIds) {
        return repository.idsInStatus(db, merchantIds, MerchantStatus.ACTIVE);
    }

    public Merchant get(Principal caller, UUID id) {
        return repository.find(dsl, caller, id).orElseThrow(MerchantService::merchantNotFound);
    }

    public Page<Merchant> list(Principal caller, Optional<MerchantStatus> status, PageRequest page) {
        return Page.fromLookahead(repository.list(dsl, caller, status, page), page.limit(), MerchantRepository::cursorOf);
    }

    public Page<MerchantStatusChange> history(Principal caller, UUID id, PageRequest page) {
        return dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            repository.find(db, caller, id).orElseThrow(MerchantService::merchantNotFound);
            return Page.fromLookahead(repository.history(db, id, page), page.limit(), MerchantRepository::cursorOf);
        });
    }

    /**
     * Seals a batch of merchants' personal data that is still plain (written before V16) or sealed under a retired
     * PII key; returns how many rows it sealed, 0 when none is left. One transaction per batch.
     */
    public int sealPersonalData(int batchSize) {
        return dsl.transactionResult(tx -> repository.sealPersonalData(tx.dsl(), batchSize));
    }

    /**
     * Approves a pending application that meets the admission rules, then issues the merchant's first API
     * client with every scope a merchant may hold. The approval commits first: should issuing the client fail,
     * the merchant is active without credentials and the operator creates them with {@code POST /v1/clients} —
     * never a working client for a merchant that is not approved.
     */
    public Approval approve(Principal caller, UUID id, ExpectedVersion expected) {
        Merchant approved = recordTransition(caller, id, MerchantAction.APPROVE, List.of(), expected);
        ApiClientService.ClientCredentials credentials = clients.create(caller, new ApiClientService.NewApiClient(
                FIRST_CLIENT_NAME, Optional.of(PrincipalType.MERCHANT), Optional.of(approved.id()),
                Scopes.allowedFor(PrincipalType.MERCHANT)));
        return new Approval(approved, credentials);
    }

    /**
     * The one way a merchant's status changes: checks the version the caller saw and that {@code action} is
     * allowed from the current status, then records the change with who made it and why.
     */
    public Merchant transition(Principal caller, UUID id, MerchantAction action, List<String> reasons,
                               ExpectedVersion expected) {
        Merchant changed = recordTransition(caller, id, action, reasons, expected);
        if (changed.status() == MerchantStatus.CLOSED) {
            // After the commit, like approval's client: a closed merchant's software stops calling at once.
            clients.disableAllOf(PrincipalType.MERCHANT, id);
        }
        return changed;
    }

    /**
     * The handling days of those of these merchants that set their own (the others take the default), in the caller's
     * transaction: a paying transaction that read them through a pooled connection of its own held two at once, and
     * 16 concurrent partner-lease commits then starved the pool (decisions 66 and 67).
     */
    public Map<UUID, Integer> handlingDays(DSLContext db, Collection<UUID> merchantIds) {
        return merchantIds.isEmpty() ? Map.of() : repository.handlingDays(db, merchantIds);
    }

    /**
     * Sets the merchant's handling time (days from payment to the promised shipment; null: the marketplace default)
     * for the sub-orders paid from now on; the merchant itself or the operator.
     */
    public Merchant setHandlingDays(Principal caller, UUID id, Integer days) {
        if (days != null && (days < 0 || days > MAX_HANDLING_DAYS)) {
            throw ProblemException.validation("days", FieldError.OUT_OF_RANGE, "must be 0 to " + MAX_HANDLING_DAYS);
        }
        return dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            repository.findForUpdate(db, caller, id).orElseThrow(MerchantService::merchantNotFound);
            return repository.updateHandlingDays(db, id, days);
        });
    }

    /**
     * Warns the merchant (decision 56): records the warning on the merchant and, when it was not warned before,
     * appends {@code merchant.warned}; a merchant already warned keeps its first {@code warnedAt} and gets its
     * measures and period updated without a new event. Returns whether it was newly warned.
     */
    public boolean warn(UUID id, Merchant.ServiceLevelWarning warning) {
        return dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            Optional<Merchant.ServiceLevelWarning> current = repository.warningForUpdate(db, id);
            Merchant.ServiceLevelWarning kept = current.map(c -> new Merchant.ServiceLevelWarning(warning.measures(),
                    warning.from(), warning.to(), c.warnedAt())).orElse(warning);
            repository.updateWarning(db, id, kept);
            if (current.isEmpty()) {
                DomainEvents.append(db, new DomainFact(EventType.MERCHANT_WARNED,
                        "merchant_warned:" + id + ":" + warning.warnedAt(), new Parties(null, null, id, null),
                        MerchantRepository.warningJson(warning)));
            }
            return current.isEmpty();
        });
    }

    /** Clears the merchant's warning, back within every threshold, with {@code merchant.warning_cleared}; false if none. */
    public boolean clearWarning(UUID id, OffsetDateTime at) {
        return dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            Optional<Merchant.ServiceLevelWarning> current = repository.warningForUpdate(db, id);
            if (current.isEmpty()) {
                return false;
            }
            repository.updateWarning(db, id, null);
            DomainEvents.append(db, new DomainFact(EventType.MERCHANT_WARNING_CLEARED,
                    "merchant_warning_cleared:" + id + ":" + current.get().warnedAt(), new Parties(null, null, id, null),
                    JsonP.JSON.createObjectBuilder().add("clearedAt", at.toString())
                            .add("warnedAt", current.get().warnedAt().toString()).build()));
            return true;
        });
    }

    /**
     * The server's own freeze of an active merchant (service levels missed, decision 40), through the same
     * transition function and history as the operator's, whatever version it is at; false when the merchant is not
     * active (already frozen, suspended or closed), which it leaves as it is.
     */
    public boolean freezeIfActive(Principal caller, UUID id, List<String> reasons) {
        return dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            Optional<Merchant> current = repository.findForUpdate(db, caller, id);
            Optional<MerchantStatus> next = current.flatMap(merchant -> merchant.status().after(MerchantAction.FREEZE));
            if (next.isEmpty()) {
                return false;
            }
            repository.updateStatus(db, id, next.get());
            repository.recordStatusChange(db, id, current.get().status(), next.get(), reasons, caller);
            return true;
        });
    }

    private Merchant recordTransition(Principal caller, UUID id, MerchantAction action, List<String> reasons,
                                      ExpectedVersion expected) {
        return dsl.transactionResult(tx -> {
            DSLContext db = tx.dsl();
            Merchant current = repository.findForUpdate(db, caller, id).orElseThrow(MerchantService::merchantNotFound);
            expected.check(current.version());
            MerchantStatus next = current.status().after(action).orElseThrow(() -> ProblemException.conflict(
                    "illegal_status_transition", "'" + action.pathSegment() + "' is not allowed for a "
                            + current.status().wireName() + " merchant.").with("currentState", current.status().wireName()));
            if (action == MerchantAction.APPROVE && !current.admissionFindings().isEmpty()) {
                throw ProblemException.conflict("admission_rules_not_met", "The application breaks admission rules ("
                        + current.admissionFindings().stream().map(AdmissionFinding::rule).collect(Collectors.joining(", "))
                        + "); it can only be rejected.");
            }
            Merchant changed = repository.updateStatus(db, id, next);
            repository.recordStatusChange(db, id, current.status(), next, reasons, caller);
            return changed;
        });
    }

    private static ProblemException merchantNotFound() {
        return ProblemException.notFound("merchant");
    }
}
