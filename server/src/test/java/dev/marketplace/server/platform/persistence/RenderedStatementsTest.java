package dev.marketplace.server.platform.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.server.platform.security.Tenancy;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every statement constant of the server renders: a {@link RenderedStatement} is rendered at its first use (decision
 * 136), so a query it cannot take (an unnamed bind value) fails here, in the build, and not on the first request that
 * sends it.
 */
class RenderedStatementsTest {

    @Test
    void everyStatementConstantRenders() throws Exception {
        List<String> rendered = new ArrayList<>();
        for (Class<?> type : serverClasses()) {
            for (Field field : type.getDeclaredFields()) {
                if (!Modifier.isStatic(field.getModifiers())) {
                    continue;
                }
                if (field.getType() == RenderedStatement.class) {
                    field.setAccessible(true);
                    rendered.add(((RenderedStatement) field.get(null)).sql());
                } else if (field.getType() == Tenancy.Rendered.class) {
                    field.setAccessible(true);
                    rendered.addAll(shapes((Tenancy.Rendered) field.get(null)));
                }
            }
        }

        // As many as the repositories held when this was written (decision 136): a scan that finds none proves nothing.
        assertThat(rendered).hasSizeGreaterThan(60).allSatisfy(sql -> assertThat(sql).isNotBlank());
    }

    private static List<String> shapes(Tenancy.Rendered statement) throws ReflectiveOperationException {
        Field byShape = Tenancy.Rendered.class.getDeclaredField("byShape");
        byShape.setAccessible(true);
        return ((Map<?, ?>) byShape.get(statement)).values().stream()
                .map(shape -> ((RenderedStatement) shape).sql()).toList();
    }

    private static List<Class<?>> serverClasses() throws IOException, URISyntaxException, ClassNotFoundException {
        Path root = Path.of(RenderedStatement.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path server = root.resolve("dev/marketplace/server");
        List<Class<?>> classes = new ArrayList<>();
        try (Stream<Path> files = Files.walk(server)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                String name = root.relativize(file).toString().replace('/', '.').replaceAll("\\.class$", "");
                classes.add(Class.forName(name, false, RenderedStatementsTest.class.getClassLoader()));
            }
        }
        return classes;
    }
}
