package dev.marketplace.server.catalog;

import dev.marketplace.server.platform.http.ContractRouting;
import dev.marketplace.server.platform.modules.Module;
import org.jooq.DSLContext;

/**
 * The catalog's category tree, a module of its own because it comes before merchants (an application names its
 * category) while products come after them (only an active merchant's products are for sale): see
 * {@link CatalogModule}.
 */
public final class CategoriesModule implements Module {

    private final CategoryService categories;

    public CategoriesModule(DSLContext dsl) {
        this.categories = new CategoryService(dsl);
    }

    @Override
    public String name() {
        return "catalog.categories";
    }

    public CategoryService service() {
        return categories;
    }

    @Override
    public void routes(ContractRouting routing) {
        routing.register(CategoryHttpService.PATH, new CategoryHttpService(categories));
    }
}
