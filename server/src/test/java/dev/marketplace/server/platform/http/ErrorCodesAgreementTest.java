package dev.marketplace.server.platform.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.marketplace.sdk.ErrorCode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every problem code the server raises is one the SDK knows, so integrators can compare with a constant. */
class ErrorCodesAgreementTest {

    /** {@code ProblemException.conflict("code"} and {@code new ProblemException(409, "code"}. */
    private static final Pattern RAISED = Pattern.compile(
            "ProblemException\\.conflict\\(\\s*\"([a-z_]+)\"|new ProblemException\\(\\s*\\d+,\\s*\"([a-z_]+)\"");

    @Test
    void everyRaisedCodeIsAnSdkConstant() throws Exception {
        Set<String> unknown = new TreeSet<>();
        try (Stream<Path> sources = Files.walk(Path.of("src/main/java"))) {
            for (Path source : sources.filter(path -> path.toString().endsWith(".java")).toList()) {
                Matcher raised = RAISED.matcher(Files.readString(source));
                while (raised.find()) {
                    String code = raised.group(1) != null ? raised.group(1) : raised.group(2);
                    if (!ErrorCode.of(code).isKnown()) {
                        unknown.add(code + " (" + source.getFileName() + ")");
                    }
                }
            }
        }
        assertThat(unknown).as("add them to the SDK's ErrorCode").isEmpty();
    }
}
