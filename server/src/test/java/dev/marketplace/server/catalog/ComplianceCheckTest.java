package dev.marketplace.server.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import dev.marketplace.server.platform.money.Money;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The banned-word check: substrings for CJK text, case and full-width forms ignored, every field named. */
class ComplianceCheckTest {

    private final ComplianceCheck check = new ComplianceCheck(ComplianceCheck.DEFAULT_BANNED_WORDS);

    @Test
    void findsBannedWordsInsideJapaneseAndChineseTextWithoutSpaces() {
        assertThat(check.check(content(Map.of("ja", "当店が業界最安値でお届け", "zh", "完全無添加的绿茶"), Map.of())))
                .extracting(ComplianceFinding::word, ComplianceFinding::field)
                .containsExactly(tuple("最安値", "title/ja"), tuple("完全無添加", "title/zh"));
    }

    @Test
    void ignoresCaseAndFullWidthFormsInAttributesAndVariantAttributes() {
        ProductContent content = new ProductContent(UUID.randomUUID(), Map.of("en", "Tea"), Map.of(),
                Map.of("claim", "The Best In The World"),
                List.of(), List.of(new VariantInput("T-1", Map.of("note", "ＣＨＥＡＰＥＳＴ"), Money.of(100, "JPY"),
                        Optional.empty())), null);

        assertThat(check.check(content)).extracting(ComplianceFinding::word, ComplianceFinding::field)
                .containsExactly(tuple("best in the world", "attributes/claim"),
                        tuple("cheapest", "variants/0/attributes/note"));
    }

    @Test
    void cleanContentHasNoFindingsAndTheListComesFromConfiguration() {
        assertThat(check.check(content(Map.of("en", "Shade-grown gyokuro"), Map.of("en", "Sweet and mellow")))).isEmpty();
        assertThat(new ComplianceCheck(List.of("  gyokuro ", "")).check(content(Map.of("en", "GYOKURO"), Map.of())))
                .extracting(ComplianceFinding::word).containsExactly("gyokuro");
    }

    private static ProductContent content(Map<String, String> title, Map<String, String> description) {
        return new ProductContent(UUID.randomUUID(), title, description, Map.of(), List.of(),
                List.of(new VariantInput("T-1", Map.of(), Money.of(100, "JPY"), Optional.empty())), null);
    }
}
