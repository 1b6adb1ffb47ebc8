package dev.marketplace.server.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * HTTP/1.1 over a plain socket, for requests no well-behaved client sends (a broken request line, a body
 * larger than allowed, chunked uploads). Responses are still checked by {@link ContractValidator}.
 */
public final class RawHttp {

    public record Response(int status, HttpHeaders headers, String body) {
    }

    private RawHttp() {
    }

    /** Sends {@code head} (request line and headers, without the blank line) and {@code body}; reads one response. */
    public static Response exchange(int port, String method, String path, String head, byte[] body) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write((head + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            try {
                out.write(body);
                out.flush();
            } catch (SocketException e) {
                // The server may answer and close before reading an oversized body; the answer is still there.
            }
            Response response = read(socket.getInputStream());
            ContractValidator.instance().validate(method, URI.create("http://127.0.0.1" + path), response.status(),
                    response.headers(), response.body().getBytes(StandardCharsets.UTF_8));
            return response;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads one response to {@code method path} from a connection the caller keeps open (keep-alive tests). */
    public static Response readResponse(Socket socket, String method, String path) throws IOException {
        Response response = read(socket.getInputStream());
        ContractValidator.instance().validate(method, URI.create("http://127.0.0.1" + path), response.status(),
                response.headers(), response.body().getBytes(StandardCharsets.UTF_8));
        return response;
    }

    private static Response read(InputStream in) throws IOException {
        String statusLine = line(in);
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (String header = line(in); !header.isEmpty(); header = line(in)) {
            int colon = header.indexOf(':');
            headers.computeIfAbsent(header.substring(0, colon).strip(), name -> new ArrayList<>())
                    .add(header.substring(colon + 1).strip());
        }
        int length = Integer.parseInt(headers.getOrDefault("Content-Length", List.of("0")).getFirst());
        byte[] body = in.readNBytes(length);
        return new Response(status, HttpHeaders.of(new LinkedHashMap<>(headers), (name, value) -> true),
                new String(body, StandardCharsets.UTF_8));
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b == -1) {
                throw new IOException("connection closed mid-response");
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }
}
