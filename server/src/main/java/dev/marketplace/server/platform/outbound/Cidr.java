package dev.marketplace.server.platform.outbound;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A block of IPv4 or IPv6 addresses written as {@code address/prefix-length} ({@code 10.0.0.0/8}, {@code fc00::/7}). */
final class Cidr {

    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    // Starts like a literal, so the JDK parses it and never falls back to a DNS lookup.
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:][0-9A-Fa-f:.]*");

    private final byte[] network;
    private final int prefixLength;
    private final String text;

    private Cidr(byte[] network, int prefixLength, String text) {
        this.network = network;
        this.prefixLength = prefixLength;
        this.text = text;
    }

    /** Parses {@code address/prefix}; a bare address is a block of one. Never consults DNS. */
    static Cidr parse(String text) {
        String trimmed = text.strip();
        int slash = trimmed.indexOf('/');
        byte[] network = literal(slash < 0 ? trimmed : trimmed.substring(0, slash)).getAddress();
        int bits = network.length * 8;
        int prefixLength;
        try {
            prefixLength = slash < 0 ? bits : Integer.parseInt(trimmed.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a CIDR block: " + text);
        }
        if (prefixLength < 0 || prefixLength > bits) {
            throw new IllegalArgumentException("not a CIDR block (prefix length out of range): " + text);
        }
        return new Cidr(network, prefixLength, trimmed);
    }

    /**
     * An IP address literal, refusing host names: {@link InetAddress#getByName} would resolve them. IPv4 is parsed here
     * (the JDK would send {@code 999.1.1.1} to DNS); IPv6 only reaches the JDK when it starts like a literal, which the
     * JDK then parses or rejects without resolving.
     */
    static InetAddress literal(String text) {
        try {
            if (text.contains(":") && IPV6.matcher(text).matches()) {
                return InetAddress.getByName(text);
            }
            Matcher quad = IPV4.matcher(text);
            if (quad.matches()) {
                byte[] address = new byte[4];
                for (int i = 0; i < 4; i++) {
                    int octet = Integer.parseInt(quad.group(i + 1));
                    if (octet > 255) {
                        throw new IllegalArgumentException("not an IP address: " + text);
                    }
                    address[i] = (byte) octet;
                }
                return InetAddress.getByAddress(address);
            }
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: " + text, e);
        }
        throw new IllegalArgumentException("not an IP address: " + text);
    }

    /** Whether the address is in this block; an IPv4 address is never in an IPv6 block nor the other way round. */
    boolean contains(InetAddress address) {
        byte[] candidate = address.getAddress();
        if (candidate.length != network.length) {
            return false;
        }
        int wholeBytes = prefixLength / 8;
        for (int i = 0; i < wholeBytes; i++) {
            if (candidate[i] != network[i]) {
                return false;
            }
        }
        int remainingBits = prefixLength % 8;
        if (remainingBits == 0) {
            return true;
        }
        int mask = (0xFF << (8 - remainingBits)) & 0xFF;
        return (candidate[wholeBytes] & mask) == (network[wholeBytes] & mask);
    }

    @Override
    public String toString() {
        return text;
    }
}
