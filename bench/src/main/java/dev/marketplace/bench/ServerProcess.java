package dev.marketplace.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The server under test as its own process, started the way the README runs it ({@code java -jar}), its output
 * appended to a log file and watched for the {@code ready in N ms} line the server prints once it serves.
 */
final class ServerProcess implements AutoCloseable {

    private static final Pattern READY = Pattern.compile("Marketplace API ready in (\\d+) ms");

    private final Process process;
    private final long readyMillis;
    private final long launchToReadyMillis;

    private ServerProcess(Process process, long readyMillis, long launchToReadyMillis) {
        this.process = process;
        this.readyMillis = readyMillis;
        this.launchToReadyMillis = launchToReadyMillis;
    }

    static ServerProcess start(Path jar, List<String> jvmOptions, Map<String, String> environment, Path log,
                               Duration readyWithin) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-jar");
        command.add(jar.toString());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment);
        long launched = System.nanoTime();
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        CompletableFuture<Long> ready = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("server-output").start(() -> copyOutput(process, log, ready));
        try {
            long readyMillis = ready.get(readyWithin.toMillis(), TimeUnit.MILLISECONDS);
            return new ServerProcess(process, readyMillis, (System.nanoTime() - launched) / 1_000_000);
        } catch (TimeoutException | ExecutionException e) {
            process.destroyForcibly();
            throw new IllegalStateException("the server did not become ready within " + readyWithin + "; see " + log, e);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static void copyOutput(Process process, Path log, CompletableFuture<Long> ready) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             PrintWriter out = new PrintWriter(Files.newBufferedWriter(log, StandardCharsets.UTF_8,
                     StandardOpenOption.CREATE, StandardOpenOption.APPEND), true)) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                out.println(line);
                Matcher matcher = READY.matcher(line);
                if (matcher.find()) {
                    ready.complete(Long.parseLong(matcher.group(1)));
                }
            }
            ready.completeExceptionally(new IllegalStateException("the server exited"));
        } catch (IOException e) {
            ready.completeExceptionally(e);
        }
    }

    long pid() {
        return process.pid();
    }

    /** The server's own figure: from the start of {@code main} to serving. */
    long readyMillis() {
        return readyMillis;
    }

    /** The whole start as a user waits for it: from launching the JVM to the ready line. */
    long launchToReadyMillis() {
        return launchToReadyMillis;
    }

    /** Stops the server as an operator would (SIGTERM: in-flight requests finish, the database shuts down). */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
