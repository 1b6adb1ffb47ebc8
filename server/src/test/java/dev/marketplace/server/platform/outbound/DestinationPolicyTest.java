package dev.marketplace.server.platform.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.STRING;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.marketplace.server.platform.outbound.OutboundException.Kind;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The SSRF rules on addresses alone: every address here is a literal, judged without DNS and without connecting
 * (this sandbox lets tests reach loopback only).
 */
class DestinationPolicyTest {

    private final DestinationPolicy publicOnly = DestinationPolicy.allowing(List.of());

    @ParameterizedTest
    @ValueSource(strings = {
            "0.0.0.0", "0.1.2.3",                                     // this network
            "10.0.0.1", "10.255.255.255",                             // private
            "172.16.0.1", "172.31.255.255",                           // private
            "192.168.0.1", "192.168.255.255",                         // private
            "100.64.0.1", "100.100.100.200", "100.127.255.255",       // CGNAT, Alibaba metadata
            "127.0.0.1", "127.0.0.2", "127.255.255.254",              // loopback
            "169.254.0.1", "169.254.169.254",                         // link-local, cloud metadata
            "192.0.0.192",                                            // IETF block, Oracle metadata
            "198.18.0.1",                                             // benchmarking
            "224.0.0.1", "239.255.255.250",                           // multicast
            "240.0.0.1", "255.255.255.255",                           // reserved, broadcast
            "::", "::1",                                              // unspecified, loopback
            "::127.0.0.1",                                            // IPv4-compatible (deprecated)
            "::ffff:127.0.0.1", "::ffff:169.254.169.254", "::ffff:10.0.0.1", // IPv4-mapped
            "fe80::1", "febf::1",                                     // link-local
            "fc00::1", "fd00:ec2::254", "fdff::1",                    // unique local, AWS metadata
            "fec0::1",                                                // site-local (deprecated)
            "ff02::1", "ff0e::1",                                     // multicast
            "64:ff9b::a9fe:a9fe", "64:ff9b::7f00:1",                  // NAT64 of 169.254.169.254, 127.0.0.1
            "64:ff9b:1::1",                                           // local-use NAT64
            "2002:a9fe:a9fe::1", "2002:0a00:0001::1",                 // 6to4 of 169.254.169.254, 10.0.0.1
            "2001:0:4136:e378:8000:63bf:3fff:fdd2"                    // Teredo
    })
    void refusesAddressesThatAreNotPublic(String literal) {
        assertThat(publicOnly.permits(Cidr.literal(literal))).as(literal).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "1.1.1.1", "8.8.8.8", "9.255.255.255", "11.0.0.1", "100.63.255.255", "100.128.0.1", "126.255.255.255",
            "128.0.0.1", "169.253.255.255", "169.255.0.1", "172.15.255.255", "172.32.0.1", "192.167.255.255",
            "192.169.0.1", "223.255.255.255",
            "2606:4700:4700::1111", "2a00:1450:4001::200e",
            "64:ff9b::808:808",                                       // NAT64 of 8.8.8.8
            "2002:0808:0808::1"                                       // 6to4 of 8.8.8.8
    })
    void permitsPublicAddresses(String literal) {
        assertThat(publicOnly.permits(Cidr.literal(literal))).as(literal).isTrue();
    }

    @Test
    void judgesAnIpv6MappedAddressByTheIpv4AddressItCarries() throws Exception {
        // The JDK turns a parsed ::ffff:a.b.c.d into an Inet4Address; an Inet6Address can still carry one.
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xFF;
        mapped[11] = (byte) 0xFF;
        byte[] metadata = {(byte) 169, (byte) 254, (byte) 169, (byte) 254};
        System.arraycopy(metadata, 0, mapped, 12, 4);
        InetAddress address = Inet6Address.getByAddress(null, mapped, (NetworkInterface) null);

        assertThat(address).isInstanceOf(Inet6Address.class);
        assertThat(publicOnly.permits(address)).isFalse();
        assertThat(DestinationPolicy.allowing(List.of("169.254.169.254/32")).permits(address)).isTrue();
    }

    @Test
    void allowedNetworksOpenExactlyTheirBlocks() {
        DestinationPolicy policy = DestinationPolicy.allowing(List.of("10.20.0.0/16", "127.0.0.1/32", "fd12:3456::/32"));

        assertThat(policy.permits(Cidr.literal("10.20.255.1"))).isTrue();
        assertThat(policy.permits(Cidr.literal("10.21.0.1"))).isFalse();
        assertThat(policy.permits(Cidr.literal("127.0.0.1"))).isTrue();
        assertThat(policy.permits(Cidr.literal("127.0.0.2"))).isFalse();
        assertThat(policy.permits(Cidr.literal("::ffff:127.0.0.1"))).isTrue();
        assertThat(policy.permits(Cidr.literal("fd12:3456:1::1"))).isTrue();
        assertThat(policy.permits(Cidr.literal("fd12:3457::1"))).isFalse();
        assertThat(policy.permits(Cidr.literal("169.254.169.254"))).isFalse();
        assertThat(policy.permits(Cidr.literal("8.8.8.8"))).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "http://169.254.169.254/latest/meta-data/",
            "http://[fd00:ec2::254]/latest/meta-data/",
            "http://[::ffff:169.254.169.254]/",
            "https://10.0.0.5:8443/internal",
            "http://127.0.0.1:8080/",
            "http://[::1]/",
            "http://0.0.0.0/"
    })
    void refusesUrlsToLiteralPrivateAddressesBeforeConnecting(String url) {
        assertThatThrownBy(() -> publicOnly.check("partner", URI.create(url)))
                .isInstanceOfSatisfying(OutboundException.class, e -> {
                    assertThat(e.kind()).isEqualTo(Kind.FORBIDDEN_DESTINATION);
                    assertThat(e.target()).isEqualTo("partner");
                    assertThat(e.getMessage()).contains("not a public address");
                });
    }

    @ParameterizedTest
    @ValueSource(strings = {"ftp://8.8.8.8/file", "file:///etc/passwd", "gopher://8.8.8.8/", "jar:http://8.8.8.8/a.jar!/", "mailto:a@example.com"})
    void refusesSchemesOtherThanHttpAndHttps(String url) {
        assertThatThrownBy(() -> publicOnly.check("partner", URI.create(url)))
                .isInstanceOfSatisfying(OutboundException.class, e -> assertThat(e.kind()).isEqualTo(Kind.FORBIDDEN_DESTINATION));
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://2130706433/", "http://0177.0.0.1/", "http://0x7f.0.0.1/", "http://127.1/",
            "http://0x7f000001/", "http://010.0.0.1/", "http://8.8.8.08/"})
    void refusesIpAddressesInAnyFormButFourDecimalParts(String url) {
        // java.net.URI gives some of them no host at all (127.1, 0x7f.0.0.1); refused for that.
        assertThatThrownBy(() -> publicOnly.check("partner", URI.create(url)))
                .isInstanceOfSatisfying(OutboundException.class, e -> assertThat(e.kind()).isEqualTo(Kind.FORBIDDEN_DESTINATION));
        assertThat(publicOnly.refusalWithoutResolving(URI.create(url))).get(STRING)
                .containsAnyOf("form other than four decimal parts", "has no host");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "https://169.254.169.254/latest/meta-data/",
            "https://[fd00:ec2::254]/",
            "https://[::ffff:127.0.0.1]/",
            "https://192.168.1.1./",
            "https://cdn.example.com@10.0.0.1/a.jpg",
            "https://user@cdn.example.com/a.jpg",
            "https://localhost/a.jpg",
            "https://LOCALHOST./a.jpg",
            "https://printer.local/a.jpg",
            "https://metadata.google.internal/computeMetadata/v1/",
            "https://router.home.arpa/",
            "https://intranet/a.jpg",
            "https://999.1.1.1/a.jpg",
            "ftp://cdn.example.com/a.jpg"
    })
    void refusesStoredUrlsToPrivateOrDisguisedHostsWithoutAskingDns(String url) {
        assertThat(publicOnly.refusalWithoutResolving(URI.create(url))).as(url).isPresent();
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://cdn.example.jp/tea.jpg", "https://8.8.8.8/a.jpg", "https://[2606:4700:4700::1111]/a.jpg",
            "https://images.example.com./a.jpg", "https://this-name-does-not-resolve.example/a.jpg"})
    void acceptsStoredUrlsToPublicHostsWithoutAskingDns(String url) {
        assertThat(publicOnly.refusalWithoutResolving(URI.create(url))).as(url).isEmpty();
    }

    @Test
    void acceptsUrlsToPublicLiteralAddresses() {
        assertThatCode(() -> publicOnly.check("partner", URI.create("https://8.8.8.8/dns-query"))).doesNotThrowAnyException();
        assertThatCode(() -> publicOnly.check("partner", URI.create("http://[2606:4700:4700::1111]/"))).doesNotThrowAnyException();
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/x", "999.0.0.0/8", "example.com/8", "internal", "gg::1/64", "::/129"})
    void refusesConfigurationThatIsNotACidrBlockWithoutAskingDns(String block) {
        assertThatThrownBy(() -> DestinationPolicy.allowing(List.of(block))).isInstanceOf(IllegalArgumentException.class);
    }
}
