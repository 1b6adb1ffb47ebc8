package dev.marketplace.server.catalog;

import static dev.marketplace.server.platform.http.JsonP.JSON;

import dev.marketplace.server.platform.changes.ChangeLog.ChangePage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A page of the product feed ({@code ProductChangePage} in the OpenAPI document) around the entries PostgreSQL wrote
 * (decisions 104 and 112): a catch-up reads a million products through these pages, and the server only copies them.
 */
final class ProductChangeJson {

    private ProductChangeJson() {
    }

    private static final byte[] START = "{\"items\":[".getBytes(StandardCharsets.UTF_8);
    private static final byte[] CURSOR = "],\"nextCursor\":".getBytes(StandardCharsets.UTF_8);

    static void write(OutputStream out, ChangePage<ProductChange> page) throws IOException {
        out.write(START);
        boolean first = true;
        for (ProductChange change : page.items()) {
            if (!first) {
                out.write(',');
            }
            out.write(change.json());
            first = false;
        }
        out.write(CURSOR);
        out.write(JSON.createValue(page.nextCursor()).toString().getBytes(StandardCharsets.UTF_8));
        out.write('}');
    }
}
