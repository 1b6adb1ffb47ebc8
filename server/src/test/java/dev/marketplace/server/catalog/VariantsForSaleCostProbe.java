package dev.marketplace.server.catalog;

import dev.marketplace.server.demo.DemoData;
import dev.marketplace.server.platform.persistence.Database;
import dev.marketplace.server.platform.persistence.DatabaseSettings;
import dev.marketplace.server.testing.TestDatabases;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/**
 * CPU time and allocation per {@link ProductRepository.VariantsForSale} read on the calling thread (what every cart
 * read and checkout pays on the Java side; decision 73), figures that survive a loaded machine where throughput does
 * not: a fresh test database with a small demo catalog. Not a test: run it by hand like {@link SearchCostProbe}, with
 * the number of variants per read (default 3) and of reads per round (default 5,000) as its arguments.
 */
final class VariantsForSaleCostProbe {

    private static final int ROUNDS = 3;

    private VariantsForSaleCostProbe() {
    }

    public static void main(String[] args) throws Exception {
        int perCall = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int calls = args.length > 1 ? Integer.parseInt(args[1]) : 5_000;
        try (Database database = Database.start(new DatabaseSettings(Optional.of(TestDatabases.newDatabase()),
                "postgres", "", 4, Duration.ofSeconds(10), Path.of("target")))) {
            DemoData.fill(database.dataSource(), new DemoData.Size(5, 200, 1), 1);
            List<UUID> variants = database.dsl().fetch("SELECT id FROM product_variant ORDER BY id LIMIT " + perCall)
                    .getValues(0, UUID.class);
            ProductRepository.VariantsForSale reads = new ProductRepository.VariantsForSale();
            for (int call = 0; call < calls; call++) { // warm-up: JIT, the pool, the server's plan cache
                reads.find(database.dsl(), variants);
            }
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long thread = Thread.currentThread().threadId();
            for (int round = 0; round < ROUNDS; round++) {
                long cpuBefore = threads.getCurrentThreadCpuTime();
                long bytesBefore = threads.getThreadAllocatedBytes(thread);
                long wallBefore = System.nanoTime();
                for (int call = 0; call < calls; call++) {
                    if (reads.find(database.dsl(), variants).size() != variants.size()) {
                        throw new IllegalStateException("a variant was not found");
                    }
                }
                System.out.printf(Locale.ROOT, "round %d, %d reads of %d variants: %7.1f µs CPU, %7.1f µs wall, "
                                + "%6.1f KB allocated per read%n", round, calls, variants.size(),
                        (threads.getCurrentThreadCpuTime() - cpuBefore) / 1e3 / calls,
                        (System.nanoTime() - wallBefore) / 1e3 / calls,
                        (threads.getThreadAllocatedBytes(thread) - bytesBefore) / 1024.0 / calls);
            }
        }
    }
}
