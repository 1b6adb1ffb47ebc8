package dev.marketplace.server.cluster;

import dev.marketplace.server.testing.ClusterNodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The memory of the soak's nodes that are never killed (decision 80). Each sample forces a full collection
 * ({@code jcmd <pid> GC.run}) and reads the resident memory ({@code /proc/<pid>/status}); the heap each of those
 * collections left is read afterwards from the node's collector log ({@code -Xlog:gc}). The heap after a full
 * collection is what the node holds on to: with a bounded heap and the serial collector, resident memory grows
 * towards {@code -Xmx} without a leak, and does not tell one from the other. Each series gets a least-squares slope
 * (MB per minute) and its growth over the sampled span; the live heap is flat when that growth stays under
 * {@link #FLAT_KB} or a fifth of its level, whichever is more.
 */
final class SoakMemory {

    /** The nodes sampled: the two the soak never kills (node 2's heap starts again at each restart). */
    static final int[] NODES = {0, 1};
    private static final long FLAT_KB = 16 * 1024;
    /** {@code [65.841s][info][gc] GC(8) Pause Full (Diagnostic Command) 40M->22M(247M) 350.740ms}: jcmd's. */
    private static final Pattern FULL_GC = Pattern.compile(
            "^\\[(\\d+(?:\\.\\d+)?)s].*Pause Full \\(Diagnostic Command\\) \\d+[KMG]->(\\d+)([KMG])\\(");

    /** One point of a series: minutes (since the node started, or since sampling began), kB. */
    record Point(double minute, long kb) {
    }

    /** A series' fitted line over its span. */
    record Trend(int points, long firstKb, long lastKb, double mbPerMinute, double growthKb, double levelKb) {
        boolean flat() {
            return points >= 3 && growthKb < Math.max(FLAT_KB, levelKb / 5);
        }

        String line(String node, String what) {
            return "| %s | %s | %d | %d | %d | %+.2f | %+.1f | %s |".formatted(node, what, points, firstKb / 1024,
                    lastKb / 1024, mbPerMinute, growthKb / 1024, flat() ? "flat" : "GROWS");
        }
    }

    private final long started = System.nanoTime();
    private final Map<Integer, List<Point>> resident = new TreeMap<>();

    /** Forces a full collection on each sampled node and notes its resident memory. */
    synchronized void sample(ClusterNodes cluster) throws IOException, InterruptedException {
        for (int node : NODES) {
            long pid = cluster.node(node).process().pid();
            Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    Long.toString(pid), "GC.run").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!jcmd.waitFor(60, TimeUnit.SECONDS)) {
                jcmd.destroyForcibly();
                throw new IllegalStateException("jcmd GC.run on node " + node + " took over a minute");
            }
            resident.computeIfAbsent(node, n -> Collections.synchronizedList(new ArrayList<>()))
                    .add(new Point((System.nanoTime() - started) / 60e9, residentKb(pid)));
        }
    }

    /** The heap left by each forced full collection of {@code node}, from its collector log. */
    static List<Point> liveHeap(ClusterNodes cluster, int node) throws IOException {
        List<Point> heap = new ArrayList<>();
        for (String line : Files.readAllLines(cluster.node(node).gcLog())) {
            Matcher full = FULL_GC.matcher(line);
            if (full.find()) {
                long amount = Long.parseLong(full.group(2));
                long kb = switch (full.group(3)) {
                    case "K" -> amount;
                    case "M" -> amount * 1024;
                    default -> amount * 1024 * 1024;
                };
                heap.add(new Point(Double.parseDouble(full.group(1)) / 60, kb));
            }
        }
        return heap;
    }

    synchronized List<Point> resident(int node) {
        return List.copyOf(resident.getOrDefault(node, List.of()));
    }

    /** The least-squares line through the points. */
    static Trend trend(List<Point> points) {
        if (points.isEmpty()) {
            return new Trend(0, 0, 0, 0, 0, 0);
        }
        double meanX = points.stream().mapToDouble(Point::minute).average().orElseThrow();
        double meanY = points.stream().mapToDouble(Point::kb).average().orElseThrow();
        double covariance = 0;
        double variance = 0;
        for (Point point : points) {
            covariance += (point.minute() - meanX) * (point.kb() - meanY);
            variance += (point.minute() - meanX) * (point.minute() - meanX);
        }
        double slopeKb = variance == 0 ? 0 : covariance / variance;
        double span = points.getLast().minute() - points.getFirst().minute();
        return new Trend(points.size(), points.getFirst().kb(), points.getLast().kb(), slopeKb / 1024, slopeKb * span,
                meanY);
    }

    private static long residentKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IllegalStateException("no VmRSS for " + pid);
    }
}
