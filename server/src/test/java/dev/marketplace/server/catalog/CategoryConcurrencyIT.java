package dev.marketplace.server.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.sdk.ErrorCode;
import dev.marketplace.sdk.MarketplaceException;
import dev.marketplace.sdk.api.CategoriesApi;
import dev.marketplace.sdk.api.CategoriesApi.ListCategoriesParams;
import dev.marketplace.sdk.model.Category;
import dev.marketplace.sdk.model.CategoryCreate;
import dev.marketplace.sdk.model.CategoryMove;
import dev.marketplace.sdk.model.CategoryUpdate;
import dev.marketplace.server.testing.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Optimistic concurrency and the tree's invariants hold when many clients write at the same moment. */
class CategoryConcurrencyIT {

    private static final int CLIENTS = 24;

    @RegisterExtension
    static final TestServer server = new TestServer().with("db.pool.size", "12");

    @Test
    void ofManyUpdatesNamingTheSameVersionExactlyOneWins() throws Exception {
        CategoriesApi categories = server.client().categories();
        Category category = categories.createCategory(new CategoryCreate().name("Contended").commissionRateBasisPoints(1000));

        List<Integer> outcomes = race(CLIENTS, client -> () -> {
            try {
                categories.updateCategory(category.getId(),
                        new CategoryUpdate().commissionRateBasisPoints(client).version(1L));
                return 200;
            } catch (MarketplaceException e) {
                assertThat(e.code()).isEqualTo(ErrorCode.VERSION_CONFLICT);
                return e.status();
            }
        });

        assertThat(outcomes).filteredOn(status -> status == 200).hasSize(1);
        assertThat(outcomes).filteredOn(status -> status == 409).hasSize(CLIENTS - 1);
        assertThat(categories.getCategory(category.getId()).getVersion()).isEqualTo(2L);
    }

    @Test
    void crossingMovesNeverMakeACycle() throws Exception {
        CategoriesApi categories = server.client().categories();
        Category a = categories.createCategory(new CategoryCreate().name("A").commissionRateBasisPoints(1000));
        Category b = categories.createCategory(new CategoryCreate().name("B").commissionRateBasisPoints(1000));

        List<Integer> outcomes = race(2, client -> () -> {
            Category moved = client == 0 ? a : b;
            Category target = client == 0 ? b : a;
            try {
                categories.moveCategory(moved.getId(), new CategoryMove().parentId(target.getId()).version(1L));
                return 200;
            } catch (MarketplaceException e) {
                assertThat(e.code()).isIn(ErrorCode.CATEGORY_CYCLE, ErrorCode.VERSION_CONFLICT);
                return e.status();
            }
        });

        assertThat(outcomes).containsExactlyInAnyOrder(200, 409);
        Category finalA = categories.getCategory(a.getId());
        Category finalB = categories.getCategory(b.getId());
        assertThat(finalA.getParentId() == null || finalB.getParentId() == null)
                .as("one of them is still a root").isTrue();
    }

    @Test
    void concurrentCreatesOfTheSameNameMakeOneCategory() throws Exception {
        CategoriesApi categories = server.client().categories();
        List<Integer> outcomes = race(CLIENTS, client -> () -> {
            try {
                categories.createCategory(new CategoryCreate().name("Same Name").commissionRateBasisPoints(1000));
                return 201;
            } catch (MarketplaceException e) {
                assertThat(e.code()).isEqualTo(ErrorCode.CATEGORY_NAME_TAKEN);
                return e.status();
            }
        });
        assertThat(outcomes).filteredOn(status -> status == 201).hasSize(1);
        assertThat(categories.listCategories(ListCategoriesParams.builder().limit(200).build()).getItems())
                .filteredOn(category -> category.getName().equalsIgnoreCase("same name")).hasSize(1);
    }

    /** Runs {@code clients} tasks released at the same instant; returns their results. */
    private static <T> List<T> race(int clients, java.util.function.IntFunction<Callable<T>> task) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<T>> futures = new ArrayList<>();
            for (int client = 0; client < clients; client++) {
                Callable<T> work = task.apply(client);
                futures.add(pool.submit(() -> {
                    start.await();
                    return work.call();
                }));
            }
            start.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                results.add(future.get());
            }
            return results;
        }
    }
}
