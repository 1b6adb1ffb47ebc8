package dev.marketplace.server.catalog;

import io.helidon.config.Config;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The automatic compliance check run when a product is submitted: banned words (absolute claims such as 最安値
 * "cheapest" or 完全無添加 "completely additive-free") from configuration, {@code catalog.compliance.banned.words}.
 *
 * <p>Matching is by substring, because Chinese and Japanese text has no spaces between words, after Unicode NFKC
 * normalization (full-width Ｃｈｅａｐｅｓｔ is cheapest) and ignoring case, in every title, description and
 * attribute value in every language, and in the variants' attribute values.
 */
public final class ComplianceCheck {

    static final List<String> DEFAULT_BANNED_WORDS = List.of("最安値", "完全無添加", "日本一", "世界一", "最高級",
            "cheapest", "best in the world", "100% guaranteed", "guaranteed results", "miracle cure");

    private final List<String> bannedWords;

    public ComplianceCheck(List<String> bannedWords) {
        this.bannedWords = bannedWords.stream().map(String::strip).filter(word -> !word.isEmpty()).toList();
    }

    /** From the {@code catalog} configuration node. */
    public static ComplianceCheck from(Config catalog) {
        return new ComplianceCheck(catalog.get("compliance.banned.words").asList(String.class)
                .orElse(DEFAULT_BANNED_WORDS));
    }

    /** The banned words in {@code content} and where each was found, in field order; empty when it is clean. */
    public List<ComplianceFinding> check(ProductContent content) {
        List<ComplianceFinding> findings = new ArrayList<>();
        scan("title", content.title(), findings);
        scan("description", content.description(), findings);
        scan("attributes", content.attributes(), findings);
        for (int i = 0; i < content.variants().size(); i++) {
            scan("variants/" + i + "/attributes", content.variants().get(i).attributes(), findings);
        }
        return findings;
    }

    /** The banned words in free texts by field name ({@code title} → {language: text}), as in products. */
    public List<ComplianceFinding> checkTexts(Map<String, Map<String, String>> textsByField) {
        List<ComplianceFinding> findings = new ArrayList<>();
        new TreeMap<>(textsByField).forEach((field, texts) -> scan(field, texts, findings));
        return findings;
    }

    private void scan(String field, Map<String, String> texts, List<ComplianceFinding> findings) {
        new TreeMap<>(texts).forEach((key, text) -> {
            String normalized = normalize(text);
            for (String word : bannedWords) {
                if (normalized.contains(normalize(word))) {
                    findings.add(new ComplianceFinding(word, field + "/" + key));
                }
            }
        });
    }

    private static String normalize(String text) {
        return Normalizer.normalize(text, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
    }
}
