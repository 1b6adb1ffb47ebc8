package dev.marketplace.server.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A TCP proxy on a local port in front of another address, for fault tests: {@link #cut()} closes every connection
 * through it and refuses new ones (each is accepted and closed at once, as a database that went away), until
 * {@link #restore()}; {@link #slowDown} holds back everything sent to the target (every statement, as a database
 * that has become slow). Each connection is two virtual threads copying bytes.
 */
public final class TcpProxy implements AutoCloseable {

    private static final Pattern JDBC_URL = Pattern.compile("^jdbc:postgresql://([^:/]+):(\\d+)(/.*)$");

    private final InetSocketAddress target;
    private final ServerSocket listener;
    private String databasePath;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile boolean cut;
    private volatile Duration delay = Duration.ZERO;

    public TcpProxy(String targetHost, int targetPort) throws IOException {
        this.target = new InetSocketAddress(targetHost, targetPort);
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().name("tcp-proxy-accept").start(this::accept);
    }

    /** A proxy in front of the PostgreSQL server of {@code jdbcUrl}; {@link #jdbcUrl()} is that database through it. */
    public static TcpProxy forDatabase(String jdbcUrl) throws IOException {
        Matcher url = JDBC_URL.matcher(jdbcUrl);
        if (!url.matches()) {
            throw new IllegalArgumentException("not a PostgreSQL URL with host and port: " + jdbcUrl);
        }
        TcpProxy proxy = new TcpProxy(url.group(1), Integer.parseInt(url.group(2)));
        proxy.databasePath = url.group(3);
        return proxy;
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** The database of {@link #forDatabase}, reached through this proxy. */
    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port() + databasePath;
    }

    /**
     * Closes every connection through the proxy and refuses new ones. From the moment it starts nothing more is passed
     * on, in either direction, so the cut is one instant for every connection.
     */
    public void cut() {
        cut = true;
        for (Socket socket : open) {
            closeQuietly(socket);
        }
    }

    /** Lets connections through again, at full speed. */
    public void restore() {
        cut = false;
        delay = Duration.ZERO;
    }

    /** Holds every chunk sent to the target back by {@code delay} (a statement, mostly) until {@link #restore()}. */
    public void slowDown(Duration delay) {
        this.delay = delay;
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                if (cut) {
                    closeQuietly(client);
                    continue;
                }
                Socket server = new Socket();
                open.add(client);
                open.add(server);
                server.connect(target, 2_000);
                if (cut) { // cut while connecting: cut() may have missed these two
                    closeQuietly(client);
                    closeQuietly(server);
                    continue;
                }
                Thread.ofVirtual().start(() -> pipe(client, server, true));
                Thread.ofVirtual().start(() -> pipe(server, client, false));
            } catch (IOException e) {
                // closed, or the target refused: the client's connection ends
            }
        }
    }

    private void pipe(Socket from, Socket to, boolean toTarget) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int read;
            while ((read = in.read(buffer)) >= 0) {
                Duration holdBack = delay;
                if (toTarget && holdBack.isPositive()) {
                    Thread.sleep(holdBack);
                }
                if (cut) {
                    // cut() closes the sockets one by one: a statement sent on a connection it has not reached yet
                    // (a client's reaction to another one closed) must not get through and commit.
                    break;
                }
                out.write(buffer, 0, read);
                out.flush();
            }
        } catch (IOException e) {
            // one side went away: both go
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private void closeQuietly(Socket socket) {
        open.remove(socket);
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() {
        cut();
        try {
            listener.close();
        } catch (IOException ignored) {
            // already closed
        }
    }
}
