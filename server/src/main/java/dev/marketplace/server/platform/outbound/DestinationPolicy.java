package dev.marketplace.server.platform.outbound;

import dev.marketplace.server.platform.outbound.OutboundException.Kind;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Which destinations outbound calls may reach, so that a URL a tenant configures (a webhook, a supplier endpoint)
 * cannot turn the server into a proxy into its own network (SSRF): only {@code http} and {@code https}, and only
 * hosts whose every resolved address is public, unless it is in one of the allowed blocks
 * ({@code outbound.allowed-private-networks}). The same rules judge URLs stored for others to fetch (product
 * images a storefront loads), without DNS: {@link #refusalWithoutResolving}.
 *
 * <p>Not public: "this network" 0/8, private 10/8, 172.16/12, 192.168/16, CGNAT 100.64/10 (Alibaba's metadata
 * service), loopback 127/8, link-local 169.254/16 (cloud metadata 169.254.169.254), IETF 192.0.0/24 (Oracle's
 * metadata service), benchmarking 198.18/15, multicast 224/4, reserved 240/4 with broadcast; IPv6 unspecified,
 * loopback and IPv4-compatible ::/96, unique-local fc00::/7 (AWS metadata fd00:ec2::254), link-local fe80::/10,
 * site-local fec0::/10, multicast ff00::/8, Teredo 2001::/32 and local-use NAT64 64:ff9b:1::/48. IPv6 addresses
 * that carry an IPv4 address (IPv4-mapped ::ffff:0:0/96, NAT64 64:ff9b::/96, 6to4 2002::/16) are judged by that
 * IPv4 address.
 *
 * <p>Not covered: the JDK's HTTP client resolves the host again when it connects ({@code java.net.http} takes no
 * resolver), so a name whose DNS answer changes between the check and the connection (DNS rebinding, with a
 * near-zero TTL) can still reach a private address; and a proxy configured through {@code http.proxyHost} resolves
 * names itself. Closing that needs connecting to the checked address (a custom client or an egress proxy that
 * enforces the same rules).
 */
public final class DestinationPolicy {

    /** Public addresses only: for URLs stored for others to fetch, which no allowed network of ours applies to. */
    public static final DestinationPolicy PUBLIC_ONLY = allowing(List.of());

    private static final List<Cidr> NOT_PUBLIC = List.of(
            "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
            "192.0.0.0/24", "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/4", "240.0.0.0/4",
            "::/96", "64:ff9b:1::/48", "2001::/32", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8")
            .stream().map(Cidr::parse).toList();
    private static final Cidr NAT64 = Cidr.parse("64:ff9b::/96");
    private static final Cidr SIX_TO_FOUR = Cidr.parse("2002::/16");
    /** A host whose last label is a number is an IPv4 address to browsers (WHATWG URL), in any of these forms. */
    private static final Pattern NUMERIC_LAST_LABEL = Pattern.compile("(?:^|.*\\.)(?:[0-9]+|0[xX][0-9A-Fa-f]*)");
    /** The one form of it kept: four decimal parts without leading zeros (browsers read 010 as octal 8). */
    private static final Pattern DOTTED_QUAD = Pattern.compile(
            "(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])");
    /** Names that are never public (RFC 6761 localhost, RFC 6762 local, RFC 8375 home.arpa, ICANN's internal). */
    private static final List<String> PRIVATE_NAME_SUFFIXES = List.of("localhost", "local", "internal", "home.arpa", "localdomain");

    private final List<Cidr> allowed;

    private DestinationPolicy(List<Cidr> allowed) {
        this.allowed = allowed;
    }

    /** Public addresses, plus these CIDR blocks (which may be private: an internal service, a test server). */
    static DestinationPolicy allowing(List<String> allowedNetworks) {
        return new DestinationPolicy(allowedNetworks.stream().map(Cidr::parse).toList());
    }

    /**
     * Refuses, before any connection, a URL outbound calls may not reach.
     *
     * @throws OutboundException    {@link Kind#FORBIDDEN_DESTINATION} naming the reason
     * @throws UnknownHostException when the host does not resolve
     */
    void check(String target, URI uri) throws UnknownHostException {
        Optional<String> refusal = refusalOfSchemeOrHost(uri);
        if (refusal.isPresent()) {
            throw forbidden(target, refusal.get());
        }
        String host = uri.getHost();
        for (InetAddress address : InetAddress.getAllByName(host)) {
            if (!permits(address)) {
                throw forbidden(target, host + " resolves to " + address.getHostAddress()
                        + ", which is not a public address (outbound.allowed-private-networks can allow it)");
            }
        }
    }

    /**
     * Why a URL stored for others to fetch may not be kept, judged without DNS so that storing stays fast and
     * never depends on a resolver: the rules of {@link #check} for an IP address written in the URL, no user info
     * (which hides the real host from people: {@code https://cdn.example.com@10.0.0.1/}), and no host name that is
     * never public (a single label, {@code localhost}, {@code .local}, {@code .internal}, ...). A public-looking name
     * whose DNS answer is (or later becomes) a private address passes: whoever fetches must check what it connects
     * to, as {@link #check} does for our own calls.
     *
     * @return the reason, for the client; empty when the URL may be stored
     */
    public Optional<String> refusalWithoutResolving(URI uri) {
        Optional<String> refusal = refusalOfSchemeOrHost(uri);
        if (refusal.isPresent()) {
            return refusal;
        }
        if (uri.getRawUserInfo() != null) {
            return Optional.of("the URL carries user info before its host");
        }
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        if (host.startsWith("[")) {
            try {
                return permits(Cidr.literal(host.substring(1, host.length() - 1))) ? Optional.empty() : notPublic(host);
            } catch (IllegalArgumentException e) {
                return Optional.of(host + " is not an IP address");
            }
        }
        String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        if (DOTTED_QUAD.matcher(name).matches()) {
            return permits(Cidr.literal(name)) ? Optional.empty() : notPublic(host);
        }
        if (!name.contains(".") || PRIVATE_NAME_SUFFIXES.stream().anyMatch(
                suffix -> name.equals(suffix) || name.endsWith("." + suffix))) {
            return Optional.of(host + " is not a public host name");
        }
        return Optional.empty();
    }

    /** The rules every URL meets before its addresses are judged: http or https, a host, and no IP address in disguise. */
    private static Optional<String> refusalOfSchemeOrHost(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            return Optional.of("only http and https URLs may be called, not " + uri.getScheme());
        }
        String host = uri.getHost();
        if (host == null) {
            return Optional.of("the URL has no host it can be sent to");
        }
        String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        if (NUMERIC_LAST_LABEL.matcher(name).matches() && !DOTTED_QUAD.matcher(name).matches()) {
            return Optional.of(host + " is an IP address in a form other than four decimal parts from 0 to 255");
        }
        if (host.contains("%")) {
            return Optional.of(host + " names a network interface");
        }
        return Optional.empty();
    }

    private static Optional<String> notPublic(String host) {
        return Optional.of(host + " is not a public address");
    }

    /** Whether a connection to this address is allowed. */
    boolean permits(InetAddress address) {
        if (allowed.stream().anyMatch(block -> block.contains(address))) {
            return true;
        }
        Optional<InetAddress> embedded = embeddedIpv4(address);
        if (embedded.isPresent()) {
            return permits(embedded.get());
        }
        return NOT_PUBLIC.stream().noneMatch(block -> block.contains(address));
    }

    /** The IPv4 address an IPv6 address stands for: IPv4-mapped, NAT64 or 6to4. */
    private static Optional<InetAddress> embeddedIpv4(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return Optional.empty();
        }
        byte[] bytes = address.getAddress();
        boolean mapped = Arrays.equals(bytes, 0, 10, new byte[10], 0, 10) && bytes[10] == (byte) 0xFF && bytes[11] == (byte) 0xFF;
        if (mapped || NAT64.contains(address)) {
            return Optional.of(ipv4(bytes, 12));
        }
        if (SIX_TO_FOUR.contains(address)) {
            return Optional.of(ipv4(bytes, 2));
        }
        return Optional.empty();
    }

    private static InetAddress ipv4(byte[] bytes, int from) {
        try {
            return InetAddress.getByAddress(Arrays.copyOfRange(bytes, from, from + 4));
        } catch (UnknownHostException e) {
            throw new IllegalStateException("four bytes are always an IPv4 address", e);
        }
    }

    private static OutboundException forbidden(String target, String reason) {
        return new OutboundException(Kind.FORBIDDEN_DESTINATION, target, reason);
    }
}
