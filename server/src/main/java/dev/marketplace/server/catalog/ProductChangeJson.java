package dev.marketplace.server.catalog;

import static dev.marketplace.server.platform.http.JsonP.JSON;

import dev.marketplace.server.platform.changes.ChangeLog.ChangePage;
import java.io.IOException;
import java.io.Writer;

/**
 * A page of the product feed ({@code ProductChangePage} in the OpenAPI document) around the entries PostgreSQL wrote
 * (decision 104): a catch-up reads a million products through these pages, and the server only copies them.
 */
final class ProductChangeJson {

    private ProductChangeJson() {
    }

    static void write(Writer out, ChangePage<ProductChange> page) throws IOException {
        out.write("{\"items\":[");
        String separator = "";
        for (ProductChange change : page.items()) {
            out.write(separator);
            out.write(change.json());
            separator = ",";
        }
        out.write("],\"nextCursor\":");
        out.write(JSON.createValue(page.nextCursor()).toString());
        out.write("}");
    }
}
