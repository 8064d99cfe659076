package dev.ingestion.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Server-side request forgery: a callback URL must not lead the service into its own network. */
class CallbackAddressesTest {

    static final String PRIVATE =
            "callback_url must not point at a private, loopback or link-local address (%s); set INGEST_WEBHOOK_ALLOW_PRIVATE=true to allow it";

    /** DNS as the test says it is; names it does not know do not resolve, and literals must never reach it. */
    static final class FakeDns implements CallbackAddresses.Resolver {
        final Map<String, List<InetAddress>> names = new ConcurrentHashMap<>();
        final List<String> asked = new ArrayList<>();

        FakeDns name(String host, String... addresses) {
            List<InetAddress> resolved = new ArrayList<>();
            for (String address : addresses) {
                resolved.add(literal(address));
            }
            names.put(host, resolved);
            return this;
        }

        @Override
        public synchronized InetAddress[] resolve(String host) throws UnknownHostException {
            asked.add(host);
            List<InetAddress> resolved = names.get(host);
            if (resolved == null) {
                throw new UnknownHostException(host);
            }
            return resolved.toArray(new InetAddress[0]);
        }
    }

    static InetAddress literal(String address) {
        try {
            // a literal is parsed, not looked up
            return InetAddress.getByName(address);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(address, e);
        }
    }

    final FakeDns dns = new FakeDns().name("hooks.example.com", "93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946");
    final CallbackAddresses strict = new CallbackAddresses(false, dns);
    final CallbackAddresses lenient = new CallbackAddresses(true, dns);

    @ParameterizedTest(name = "{0} is private")
    @ValueSource(
            strings = {
                "127.0.0.1",
                "127.255.255.254",
                "0.0.0.0",
                "0.1.2.3",
                "10.0.0.1",
                "10.255.255.255",
                "100.64.0.1",
                "100.127.255.254",
                "169.254.169.254",
                "169.254.0.1",
                "172.16.0.1",
                "172.31.255.255",
                "192.0.0.8",
                "192.168.0.1",
                "192.168.255.255",
                "198.18.0.1",
                "198.19.255.255",
                "224.0.0.1",
                "239.255.255.250",
                "240.0.0.1",
                "255.255.255.255",
                "::1",
                "::",
                "fe80::1",
                "febf:ffff::1",
                "fec0::1",
                "feff::1",
                "fc00::1",
                "fd12:3456:789a::1",
                "ff02::1",
                "ff0e::1",
                "::ffff:127.0.0.1",
                "::ffff:10.1.2.3",
                "::127.0.0.1",
                "::a9fe:a9fe",
                "64:ff9b::7f00:1",
                "64:ff9b::a9fe:a9fe",
                "64:ff9b::c0a8:101",
                "64:ff9b:1::808:808",
                "2002:7f00:1::1",
                "2002:c0a8:101::1",
                "2002:a9fe:a9fe::1"
            })
    void aNameResolvingToAPrivateAddressIsRefusedUnlessPrivateAddressesAreAllowed(String address) {
        dns.name("inside.example.com", address);

        assertThatThrownBy(() -> strict.checkSubmitted("https://inside.example.com/hook"))
                .isInstanceOf(CallbackRefused.class)
                .hasMessage(PRIVATE, literal(address).getHostAddress());
        assertThat(lenient.checkSubmitted("https://inside.example.com/hook"))
                .isEqualTo(URI.create("https://inside.example.com/hook"));
    }

    @ParameterizedTest(name = "{0} is public")
    @ValueSource(
            strings = {
                "93.184.216.34",
                "8.8.8.8",
                "1.1.1.1",
                "11.0.0.1",
                "9.255.255.255",
                "100.63.255.255",
                "100.128.0.1",
                "126.255.255.255",
                "128.0.0.1",
                "169.253.255.255",
                "169.255.0.1",
                "172.15.255.255",
                "172.32.0.1",
                "192.0.1.1",
                "192.167.255.255",
                "192.169.0.1",
                "198.17.255.255",
                "198.20.0.1",
                "223.255.255.255",
                "2606:4700:4700::1111",
                "2001:4860:4860::8888",
                "::ffff:8.8.8.8",
                "::808:808",
                "64:ff9b::808:808",
                "2002:808:808::1",
                "fbff::1"
            })
    void aNameResolvingToPublicAddressesIsTaken(String address) {
        dns.name("outside.example.com", address);

        assertThat(strict.checkSubmitted("https://outside.example.com/hook"))
                .isEqualTo(URI.create("https://outside.example.com/hook"));
        assertThat(strict.checkResolved(URI.create("https://outside.example.com/hook")))
                .containsExactly(literal(address));
    }

    @Test
    void anIpv4MappedAddressTheResolverKeepsAsIpv6IsJudgedByTheIpv4AddressInside() throws Exception {
        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 127, 0, 0, 1};
        InetAddress address = Inet6Address.getByAddress(null, mapped, -1);
        assertThat(address).isInstanceOf(Inet6Address.class);

        assertThat(CallbackAddresses.isPrivate(address)).isTrue();
    }

    @Test
    void oneBadAddressAmongSeveralIsEnoughToRefuse() {
        dns.name("mixed.example.com", "93.184.216.34", "10.0.0.7");

        assertThatThrownBy(() -> strict.checkSubmitted("http://mixed.example.com/"))
                .isInstanceOf(CallbackRefused.class)
                .hasMessage(PRIVATE, "10.0.0.7");
    }

    @Test
    void aPublicNameThatDnsLaterPointsInsideIsRefusedAtDelivery() {
        dns.name("rebind.example.com", "93.184.216.34");
        URI stored = strict.checkSubmitted("https://rebind.example.com/hook");
        assertThat(strict.checkResolved(stored)).containsExactly(literal("93.184.216.34"));

        dns.name("rebind.example.com", "169.254.169.254");

        assertThatThrownBy(() -> strict.checkResolved(stored))
                .isInstanceOf(CallbackRefused.class)
                .hasMessage(PRIVATE, "169.254.169.254");
        assertThat(lenient.checkResolved(stored)).containsExactly(literal("169.254.169.254"));
    }

    @Test
    void aNameThatStopsResolvingIsRefusedAtDelivery() {
        URI stored = strict.checkSubmitted("https://hooks.example.com/hook");
        dns.names.remove("hooks.example.com");

        assertThatThrownBy(() -> strict.checkResolved(stored))
                .isInstanceOf(CallbackRefused.class)
                .hasMessage("callback_url's host does not resolve");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "http://localhost/hook                      | 127.0.0.1",
                "http://127.0.0.1:8000/hook                 | 127.0.0.1",
                "http://169.254.169.254/latest/meta-data/   | 169.254.169.254",
                "http://0.0.0.0/                            | 0.0.0.0",
                "http://10.0.0.1/                           | 10.0.0.1",
                "http://[::1]:8000/                         | 0:0:0:0:0:0:0:1",
                "http://[0:0:0:0:0:0:0:1]/                  | 0:0:0:0:0:0:0:1",
                "http://[::]/                               | 0:0:0:0:0:0:0:0",
                "http://[::ffff:127.0.0.1]/                 | 127.0.0.1",
                "http://[::ffff:7f00:1]/                    | 127.0.0.1",
                "http://[::127.0.0.1]/                      | 0:0:0:0:0:0:7f00:1",
                "http://[64:ff9b::169.254.169.254]/         | 64:ff9b:0:0:0:0:a9fe:a9fe",
                "http://[fd00:ec2::254]/                    | fd00:ec2:0:0:0:0:0:254",
                "http://[fe80::1]/                          | fe80:0:0:0:0:0:0:1",
            })
    void literalPrivateAddressesAreRefusedWithoutAskingDns(String url, String shown) {
        dns.name("localhost", "127.0.0.1", "::1");

        assertThatThrownBy(() -> strict.checkSubmitted(url))
                .isInstanceOf(CallbackRefused.class)
                .hasMessage(PRIVATE, shown);
        assertThat(dns.asked).allMatch("localhost"::equals);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(
            strings = {
                "http://2130706433/",
                "http://017700000001/",
                "http://0x7f000001/",
                "http://0x7f.1/",
                "http://0x7f.0x0.0x0.0x1/",
                "http://0177.0.0.1/",
                "http://0177.1/",
                "http://127.1/",
                "http://127.0.1/",
                "http://127.0.0.1./",
                "http://010.0.0.1/",
                "http://0/",
                "http://1.2.3.4.5/",
                "http://256.0.0.1/",
                "http://hooks.example.0x1/",
                "http://hooks.example.123/",
            })
    void numericHostsOtherThanTheDottedQuadAreRefusedEvenWhenPrivateAddressesAreAllowed(String url) {
        // resolvers disagree on these (the JDK reads 0177 as decimal, the C library as octal)
        dns.name("2130706433", "127.0.0.1").name("0x7f.1", "127.0.0.1").name("hooks.example.123", "93.184.216.34");

        assertThatThrownBy(() -> lenient.checkSubmitted(url))
                .isInstanceOf(CallbackRefused.class)
                .message()
                .satisfiesAnyOf(
                        message -> assertThat(message)
                                .isEqualTo("callback_url's IPv4 address must be four decimal numbers (a.b.c.d)"),
                        message -> assertThat(message).startsWith("callback_url must name a host"));
        assertThatThrownBy(() -> strict.checkSubmitted(url)).isInstanceOf(CallbackRefused.class);
        assertThat(dns.asked).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "ftp://hooks.example.com/hook                | callback_url must be an absolute http or https URL",
                "file:///etc/passwd                          | callback_url must be an absolute http or https URL",
                "javascript:alert(1)                         | callback_url must be an absolute http or https URL",
                "mailto:ops@example.com                      | callback_url must be an absolute http or https URL",
                "http:hooks.example.com                      | callback_url must be an absolute http or https URL",
                "hooks.example.com/hook                      | callback_url must be an absolute http or https URL",
                "//hooks.example.com/hook                    | callback_url must be an absolute http or https URL",
                "/hook                                       | callback_url must be an absolute http or https URL",
                "http://hooks.example.com/a b                | callback_url must be an absolute http or https URL",
                "http://user:secret@hooks.example.com/hook   | callback_url must not carry a user name or password (user:password@)",
                "http://user@hooks.example.com/hook          | callback_url must not carry a user name or password (user:password@)",
                "http://hooks.example.com/hook#top           | callback_url must not have a fragment (#...): it is never sent",
                "http://hooks.example.com/hook#              | callback_url must not have a fragment (#...): it is never sent",
                "http://hooks.example.com:0/hook             | callback_url's port must be between 1 and 65535",
                "http://hooks.example.com:65536/hook         | callback_url's port must be between 1 and 65535",
                "http://hooks.example.com:99999999999/hook   | callback_url must name a host",
                "http:///hook                                | callback_url must name a host",
                "http://a_b.example.com/hook                 | callback_url must name a host",
                "http://bücher.example/hook                  | callback_url must name a host",
                "https://nowhere.example.com/hook            | callback_url's host does not resolve",
            })
    void malformedUrlsAreRefusedWithWhatIsWrong(String url, String message) {
        assertThatThrownBy(() -> lenient.checkSubmitted(url))
                .isInstanceOf(CallbackRefused.class)
                .hasMessageStartingWith(message);
    }

    @Test
    void aMissingUrlIsRefusedAsNotAnHttpUrl() {
        assertThatThrownBy(() -> strict.checkSubmitted(null))
                .isInstanceOf(CallbackRefused.class)
                .hasMessage("callback_url must be an absolute http or https URL");
        assertThatThrownBy(() -> strict.checkSubmitted(""))
                .isInstanceOf(CallbackRefused.class)
                .hasMessage("callback_url must be an absolute http or https URL");
    }

    @Test
    void urlsUpTo2048CharactersAreTakenAndLongerOnesRefused() {
        String prefix = "https://hooks.example.com/";
        String longest = prefix + "a".repeat(2048 - prefix.length());

        assertThat(strict.checkSubmitted(longest).toString()).hasSize(2048);
        assertThatThrownBy(() -> strict.checkSubmitted(longest + "a"))
                .isInstanceOf(CallbackRefused.class)
                .hasMessage("callback_url must be at most 2048 characters");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "HTTPS://Hooks.Example.COM:8443/a/./b/../c?x=1&y=%2F | https://hooks.example.com:8443/a/c?x=1&y=%2F",
                "http://hooks.example.com                            | http://hooks.example.com/",
                "http://hooks.example.com:/hook                      | http://hooks.example.com/hook",
                "http://hooks.example.com/hook?                      | http://hooks.example.com/hook?",
                "http://hooks.example.com/h%C3%BCk?q=%20             | http://hooks.example.com/h%C3%BCk?q=%20",
                "http://93.184.216.34:8080/hook                      | http://93.184.216.34:8080/hook",
                "http://[2606:2800:220:1:248:1893:25C8:1946]/hook    | http://[2606:2800:220:1:248:1893:25c8:1946]/hook",
            })
    void anAcceptedUrlComesBackNormalized(String submitted, String normalized) {
        assertThat(strict.checkSubmitted(submitted)).hasToString(normalized);
    }

    @Test
    void theSystemsResolverIsTheDefaultAndLocalhostIsRefusedThroughIt() {
        assertThatThrownBy(() -> new CallbackAddresses(false).checkSubmitted("http://localhost:8000/hook"))
                .isInstanceOf(CallbackRefused.class)
                .hasMessageStartingWith("callback_url must not point at a private, loopback or link-local address");
    }

    @Test
    void aLiteralPublicAddressIsResolvedWithoutDns() {
        assertThat(strict.checkResolved(URI.create("http://93.184.216.34/hook")))
                .containsExactly(literal("93.184.216.34"));
        assertThat(dns.asked).isEmpty();
    }
}
