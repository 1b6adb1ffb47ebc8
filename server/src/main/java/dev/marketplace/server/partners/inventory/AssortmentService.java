package dev.marketplace.server.partners.inventory;

import dev.marketplace.server.catalog.Category;
import dev.marketplace.server.catalog.CategoryService;
import dev.marketplace.server.catalog.ProductService;
import dev.marketplace.server.catalog.VariantForSale;
import dev.marketplace.server.inventory.InventoryService;
import dev.marketplace.server.inventory.StockChange;
import dev.marketplace.server.merchants.MerchantService;
import dev.marketplace.server.partners.PartnerDirectory;
import dev.marketplace.server.platform.changes.ChangeLog;
import dev.marketplace.server.platform.changes.ChangeLog.ChangePage;
import dev.marketplace.server.platform.http.FieldError;
import dev.marketplace.server.platform.http.ProblemException;
import dev.marketplace.server.platform.money.Money;
import dev.marketplace.server.platform.pagination.Cursor;
import dev.marketplace.server.platform.pagination.Page;
import dev.marketplace.server.platform.pagination.PageRequest;
import dev.marketplace.server.platform.persistence.Constraints;
import dev.marketplace.server.platform.security.Principal;
import java.math.RoundingMode;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jooq.DSLContext;
import org.jooq.exception.DataAccessException;

/**
 * What a partner may sell: the merchants' opt-ins, the operator's shares and the partner prices they make, and the
 * shared listings' availability as the partner's change feed. Each public method is one transaction.
 */
public final class AssortmentService {

    /** Reads the stock feed for every partner; each partner sees only its shared variants' changes. */
    private static final Principal FEED_READER = Principal.system("partners.inventory.feed");

    /** A variant a partner may lease, at the partner's price ({@code variant.price()}). */
    public record Offer(VariantForSale variant) {
    }

    /** One change of a shared listing: its partner price and the units a lease can hold now. */
    public record ListingChange(long position, OffsetDateTime changedAt, VariantForSale variant, long available) {
    }

    private final DSLContext dsl;
    private final ProductService products;
    private final CategoryService categories;
    private final MerchantService merchants;
    private final InventoryService inventory;
    private final PartnerDirectory partners;
    private final PartnerInventoryRepository repository = new PartnerInventoryRepository();

    public AssortmentService(DSLContext dsl, ProductService products, CategoryService categories,
                             MerchantService merchants, InventoryService inventory, PartnerDirectory partners) {
        this.dsl = dsl;
        this.partners = partners;
        this.products = products;
        this.categories = categories;
        this.merchants = merchants;
        this.inventory = inventory;
    }

    /** The calling merchant consents to selling through the partner; returns when it first did. */
    public OffsetDateTime optIn(Principal merchant, UUID partnerId) {
        requireRegistered(partnerId);
        return dsl.transactionResult(tx -> repository.optIn(tx.dsl(), merchant.id(), partnerId));
    }

    /** The opt-ins the viewer may see (the operator all, a merchant its own, a partner those given to it). */
    public Page<PartnerInventoryRepository.OptIn> optIns(Principal viewer, Optional<UUID> partnerId, PageRequest page) {
        return Page.fromLookahead(repository.listOptIns(dsl, viewer, partnerId, page), page.limit(),
                PartnerInventoryRepository.OptIn::cursor);
    }

    /** The shares the viewer may see (the operator all, a partner its own, a merchant those naming it). */
    public Page<AssortmentShare> shares(Principal viewer, Optional<UUID> partnerId, PageRequest page) {
        return Page.fromLookahead(repository.listShares(dsl, viewer, partnerId, page), page.limit(),
                PartnerInventoryRepository::cursorOf);
    }

    public void optOut(Principal merchant, UUID partnerId) {
        dsl.transaction(tx -> repository.optOut(tx.dsl(), merchant.id(), partnerId));
    }

    /** Shares a merchant's or a category's products with the partner (exactly one of the two). */
    public AssortmentShare share(UUID partnerId, Optional<UUID> merchantId, Optional<UUID> categoryId,
                                 int priceAdjustmentBasisPoints) {
        requireRegistered(partnerId);
        if (merchantId.isPresent() && merchants.activeAmong(dsl, Set.of(merchantId.get())).isEmpty()) {
            throw ProblemException.validation("merchantId", FieldError.NOT_FOUND, "names no active merchant");
        }
        if (categoryId.isPresent() && !categories.exists(categoryId.get())) {
            throw ProblemException.validation("categoryId", FieldError.NOT_FOUND, "names no category");
        }
        try {
            return dsl.transactionResult(tx -> repository.insertShare(tx.dsl(), partnerId, merchantId, categoryId,
                    priceAdjustmentBasisPoints));
        } catch (DataAccessException e) {
            if (Constraints.isViolated(e, PartnerInventoryRepository.SHARE_OF_MERCHANT_CONSTRAINT)
                    || Constraints.isViolated(e, PartnerInventoryRepository.SHARE_OF_CATEGORY_CONSTRAINT)) {
                throw ProblemException.conflict("share_exists",
                        "The partner already has a share of this merchant or category; delete it first.");
            }
            throw e;
        }
    }

    /** A partner id names a partner of the registry (decision 37), or the request is refused naming the field. */
    private void requireRegistered(UUID partnerId) {
        if (!partners.isRegistered(partnerId)) {
            throw ProblemException.validation("partnerId", FieldError.NOT_FOUND, "names no registered partner");
        }
    }

    public void deleteShare(UUID shareId) {
        if (!dsl.transactionResult(tx -> repository.deleteShare(tx.dsl(), shareId))) {
            throw ProblemException.notFound("share");
        }
    }

    /**
     * Which of these variants the partner may sell now, each at its partner price: published, of an active merchant
     * that opted in to the partner, and in one of its shares (the lowest price when in several).
     */
    public Map<UUID, Offer> offers(UUID partnerId, Collection<UUID> variantIds) {
        return offers(dsl, partnerId, variantIds);
    }

    /** {@link #offers}, read through {@code db}: the caller's transaction, when it is in one. */
    private Map<UUID, Offer> offers(DSLContext db, UUID partnerId, Collection<UUID> variantIds) {
        if (variantIds.isEmpty()) {
            return Map.of();
        }
        Map<UUID, VariantForSale> variants = products.variantsForSale(db, variantIds);
        Set<UUID> merchantIds = variants.values().stream().map(VariantForSale::merchantId).collect(Collectors.toSet());
        // Only the shares that can cover these variants: a partner sharing every merchant's products has a share per
        // merchant, and a lease of one unit read them all (decision 91).
        List<AssortmentShare> shares = repository.sharesCovering(db, partnerId, merchantIds);
        if (shares.isEmpty()) {
            return Map.of();
        }
        Set<UUID> sellers = merchants.activeAmong(db, repository.optedIn(db, partnerId, merchantIds));
        Map<UUID, List<UUID>> categoryPaths = new HashMap<>();
        Map<UUID, Offer> offers = new HashMap<>();
        for (VariantForSale variant : variants.values()) {
            if (!variant.published() || !sellers.contains(variant.merchantId())) {
                continue;
            }
            // The category's path is read only for a share of a category.
            shares.stream()
                    .filter(share -> share.merchantId().map(variant.merchantId()::equals)
                            .orElseGet(() -> categoryPaths.computeIfAbsent(variant.categoryId(), id -> pathOf(db, id))
                                    .contains(share.categoryId().orElseThrow())))
                    .map(share -> partnerPrice(variant.price(), share.priceAdjustmentBasisPoints()))
                    .min((a, b) -> Long.compare(a.amount(), b.amount()))
                    .ifPresent(price -> offers.put(variant.variantId(), new Offer(atPrice(variant, price))));
        }
        return offers;
    }

    /**
     * The partners that may sell the variant now: its merchant opted in to them and one of their shares covers it.
     * Read through {@code db}: the webhook fan-out asks inside its batch's transaction (decision 81).
     */
    public Set<UUID> partnersSelling(DSLContext db, UUID variantId) {
        VariantForSale variant = products.variantsForSale(db, List.of(variantId)).get(variantId);
        if (variant == null) {
            return Set.of();
        }
        return repository.partnersOf(db, variant.merchantId()).stream()
                .filter(partner -> offers(db, partner, List.of(variantId)).containsKey(variantId))
                .collect(Collectors.toUnmodifiableSet());
    }

    /**
     * The partner's feed: the stock changes of the variants shared with it, after the page's cursor, each with the
     * variant's partner price and the units a lease can hold. Other variants' changes are read and skipped, so a
     * page may hold fewer items than changes; its cursor still moves past them.
     */
    public ChangePage<ListingChange> changes(Principal partner, PageRequest page) {
        ChangePage<StockChange> stock = inventory.stockChanges(FEED_READER, page);
        Set<UUID> variantIds = stock.items().stream().filter(change -> change.stock().isPresent())
                .map(StockChange::variantId).collect(Collectors.toSet());
        Map<UUID, Offer> offers = offers(partner.id(), variantIds);
        Map<UUID, Long> available = inventory.availableToReserve(offers.keySet());
        List<ListingChange> items = stock.items().stream()
                .filter(change -> change.stock().isPresent() && offers.containsKey(change.variantId()))
                .map(change -> new ListingChange(change.position(), change.changedAt(),
                        offers.get(change.variantId()).variant(),
                        Math.max(0, available.getOrDefault(change.variantId(), 0L))))
                .toList();
        return new ChangePage<>(items, stock.nextCursor());
    }

    /** One shared listing as it is now: its partner price and the units a lease can hold. */
    public record SharedListing(VariantForSale variant, long available) {
    }

    /**
     * A page of the snapshot; {@code nextCursor} null on the last page; {@code feedCursor} where the partner's feed
     * takes over once the snapshot is read (the same on every page of one snapshot).
     */
    public record Snapshot(List<SharedListing> items, String nextCursor, String feedCursor) {
    }

    /**
     * The partner's first sync (decision 56): the listings shared with it now, in variant id order, {@code limit}
     * candidates (the variants of the merchants that opted in to it) per page, so a page may hold fewer items. The
     * first page takes the feeds' head ({@link ChangeLog#head}) before reading anything and every cursor carries it:
     * following {@code listSharedListingChanges} from {@code feedCursor} after the last page shows every change
     * committed since the snapshot began.
     */
    public Snapshot snapshot(Principal partner, PageRequest page) {
        long head;
        Optional<UUID> after;
        if (page.after().isPresent()) {
            head = Long.parseLong(page.after().get().keys().get(0));
            after = Optional.of(UUID.fromString(page.after().get().keys().get(1)));
        } else {
            head = ChangeLog.head(dsl);
            after = Optional.empty();
        }
        Set<UUID> sellers = merchants.activeAmong(dsl, repository.optedIn(dsl, partner.id()));
        List<UUID> candidates = products.variantIdsOf(sellers, after, page.limit());
        Map<UUID, Offer> offers = offers(partner.id(), candidates);
        Map<UUID, Long> available = inventory.availableToReserve(offers.keySet());
        List<SharedListing> items = candidates.stream().filter(offers::containsKey)
                .map(id -> new SharedListing(offers.get(id).variant(), Math.max(0, available.getOrDefault(id, 0L))))
                .toList();
        String next = candidates.size() < page.limit() ? null
                : Cursor.of(Long.toString(head), candidates.getLast().toString()).encode();
        return new Snapshot(items, next, Cursor.of(Long.toString(head)).encode());
    }

    /** The variants as sold now, whoever may sell them (a lease's variants when it is committed). */
    Map<UUID, VariantForSale> variants(Collection<UUID> variantIds) {
        return products.variantsForSale(dsl, variantIds);
    }

    /** The category and its ancestors: a share of any of them covers the category's products. */
    private List<UUID> pathOf(DSLContext db, UUID categoryId) {
        Category category = categories.get(db, categoryId);
        return Stream.concat(category.ancestorIds().stream(), Stream.of(categoryId)).toList();
    }

    /** The list price adjusted by basis points of it (-1000: 10 % off), rounded half-even to the minor unit. */
    static Money partnerPrice(Money listPrice, int adjustmentBasisPoints) {
        return listPrice.timesBasisPoints(10_000 + adjustmentBasisPoints, RoundingMode.HALF_EVEN);
    }

    static VariantForSale atPrice(VariantForSale variant, Money price) {
        return new VariantForSale(variant.variantId(), variant.productId(), variant.merchantId(), variant.categoryId(),
                variant.sku(), variant.title(), variant.productAttributes(), price, variant.published(),
                variant.commissionRateBasisPoints());
    }
}
