package dev.ingestion.webhooks;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Keeps callback URLs from turning the service against its own network (server-side request
 * forgery): a client could otherwise have it POST to the cloud's metadata endpoint, a database's
 * HTTP port or an admin page on localhost. A URL is checked when it is submitted, so the client
 * hears of a refusal at once, and its host is resolved and checked again before each delivery,
 * because a name that pointed outside at submission may point inside by then (DNS rebinding).
 *
 * <p>An address is private when it is not reachable across the Internet: loopback, unspecified,
 * link-local, RFC 1918, carrier-grade NAT, the IETF's and the benchmarking blocks, multicast,
 * reserved and broadcast, IPv6 unique-local and site-local, and any IPv6 form that embeds an IPv4
 * address (mapped, compatible, NAT64, 6to4), judged by the IPv4 address inside. Every address a
 * name resolves to must be public: a resolver may hand the client's pick of them to the connection.
 *
 * <p>Numeric hosts other than the dotted quad (2130706433, 0x7f.1, 0177.0.0.1, 127.1) are refused
 * outright: resolvers read them differently (the JDK reads 0177 as decimal, the C library as
 * octal), so what was checked need not be what is called.
 */
public final class CallbackAddresses {

    /** Looks a host name up; tests fake DNS with it. */
    @FunctionalInterface
    public interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    public static final int MAX_LENGTH = 2048;

    static final String NOT_AN_HTTP_URL = "callback_url must be an absolute http or https URL";
    static final String DOES_NOT_RESOLVE = "callback_url's host does not resolve";

    /** A host whose last label is a number is an IPv4 address to every URL parser (WHATWG's "ends in a number"). */
    private static final Pattern NUMERIC_LAST_LABEL = Pattern.compile("(?i).*?(^|\\.)(0x[0-9a-f]*|[0-9]+)\\.?$");

    private static final Pattern DOTTED_QUAD = Pattern.compile(
            "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");

    private final boolean allowPrivate;
    private final Resolver resolver;

    public CallbackAddresses(boolean allowPrivate) {
        this(allowPrivate, InetAddress::getAllByName);
    }

    public CallbackAddresses(boolean allowPrivate, Resolver resolver) {
        this.allowPrivate = allowPrivate;
        this.resolver = Objects.requireNonNull(resolver, "resolver");
    }

    /**
     * Checks a callback_url as a client submitted it and returns it normalized (scheme and host in
     * lower case, dot segments resolved, an empty path as "/"), the form to store and fingerprint.
     *
     * @throws CallbackRefused saying what is wrong, fit for the client's 400
     */
    public URI checkSubmitted(String raw) {
        if (raw == null || raw.isEmpty()) {
            throw new CallbackRefused(NOT_AN_HTTP_URL);
        }
        if (raw.length() > MAX_LENGTH) {
            throw new CallbackRefused("callback_url must be at most " + MAX_LENGTH + " characters");
        }
        URI uri;
        try {
            uri = new URI(raw);
        } catch (URISyntaxException e) {
            throw new CallbackRefused(NOT_AN_HTTP_URL);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!uri.isAbsolute() || uri.isOpaque() || !(scheme.equals("http") || scheme.equals("https"))) {
            throw new CallbackRefused(NOT_AN_HTTP_URL);
        }
        if (uri.getRawUserInfo() != null) {
            // credentials in a URL end up in logs and in /deliveries; receivers authenticate us by the signature
            throw new CallbackRefused("callback_url must not carry a user name or password (user:password@)");
        }
        if (uri.getRawFragment() != null) {
            throw new CallbackRefused("callback_url must not have a fragment (#...): it is never sent");
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            // java.net.URI leaves the host out when the authority is no valid host name: underscores,
            // non-ASCII names (give them in their xn-- form), numbers like 127.1
            throw new CallbackRefused(
                    "callback_url must name a host: letters, digits, '-' and '.' (an international name in its xn-- form),"
                            + " an IPv4 address as four decimal numbers or an IPv6 address in brackets");
        }
        if (uri.getPort() == 0 || uri.getPort() > 65535 || uri.getPort() < -1) {
            throw new CallbackRefused("callback_url's port must be between 1 and 65535");
        }
        host = host.toLowerCase(Locale.ROOT);
        if (!host.startsWith("[")
                && NUMERIC_LAST_LABEL.matcher(host).matches()
                && !DOTTED_QUAD.matcher(host).matches()) {
            throw new CallbackRefused("callback_url's IPv4 address must be four decimal numbers (a.b.c.d)");
        }
        check(host);
        return normalized(scheme, host, uri);
    }

    /**
     * Resolves a stored callback URL's host again just before a delivery and returns its addresses,
     * so the caller can connect to exactly what was checked.
     *
     * @throws CallbackRefused when the host no longer resolves, or now resolves to a private address
     */
    public InetAddress[] checkResolved(URI uri) {
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            throw new CallbackRefused(NOT_AN_HTTP_URL);
        }
        return check(host.toLowerCase(Locale.ROOT));
    }

    private InetAddress[] check(String host) {
        InetAddress[] addresses = resolve(host);
        if (!allowPrivate) {
            for (InetAddress address : addresses) {
                if (isPrivate(address)) {
                    throw new CallbackRefused(
                            "callback_url must not point at a private, loopback or link-local address ("
                                    + address.getHostAddress()
                                    + "); set INGEST_WEBHOOK_ALLOW_PRIVATE=true to allow it");
                }
            }
        }
        return addresses;
    }

    private InetAddress[] resolve(String host) {
        try {
            InetAddress[] addresses;
            if (host.startsWith("[")) {
                // a literal: parsed, never looked up, whatever the resolver; %25 is a zone id's '%' escaped
                String literal = host.substring(1, host.length() - 1).replace("%25", "%");
                addresses = new InetAddress[] {InetAddress.getByName(literal)};
            } else if (DOTTED_QUAD.matcher(host).matches()) {
                addresses = new InetAddress[] {InetAddress.getByName(host)};
            } else {
                addresses = resolver.resolve(host);
            }
            if (addresses == null || addresses.length == 0) {
                throw new CallbackRefused(DOES_NOT_RESOLVE);
            }
            return addresses.clone();
        } catch (UnknownHostException | IllegalArgumentException e) {
            throw new CallbackRefused(DOES_NOT_RESOLVE);
        }
    }

    private static URI normalized(String scheme, String host, URI uri) {
        StringBuilder text = new StringBuilder(scheme).append("://").append(host);
        if (uri.getPort() != -1) {
            text.append(':').append(uri.getPort());
        }
        String path = uri.getRawPath();
        text.append(path == null || path.isEmpty() ? "/" : path);
        if (uri.getRawQuery() != null) {
            text.append('?').append(uri.getRawQuery());
        }
        try {
            return new URI(text.toString()).normalize();
        } catch (URISyntaxException e) {
            throw new CallbackRefused(NOT_AN_HTTP_URL);
        }
    }

    /** Whether an address is out of bounds for callbacks: see the class comment for the list. */
    public static boolean isPrivate(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (address instanceof Inet4Address) {
            return isPrivateV4(bytes, 0);
        }
        if (address instanceof Inet6Address) {
            return isPrivateV6(bytes);
        }
        return true;
    }

    private static boolean isPrivateV4(byte[] bytes, int at) {
        int a = bytes[at] & 0xff;
        int b = bytes[at + 1] & 0xff;
        int c = bytes[at + 2] & 0xff;
        return a == 0 // "this network", 0.0.0.0 among it
                || a == 10
                || a == 100 && (b & 0xc0) == 64 // carrier-grade NAT, 100.64/10
                || a == 127
                || a == 169 && b == 254
                || a == 172 && (b & 0xf0) == 16
                || a == 192 && b == 0 && c == 0 // IETF protocol assignments
                || a == 192 && b == 168
                || a == 198 && (b & 0xfe) == 18 // benchmarking, 198.18/15
                || a >= 224; // multicast 224/4, reserved 240/4, broadcast
    }

    private static boolean isPrivateV6(byte[] bytes) {
        int a = bytes[0] & 0xff;
        int b = bytes[1] & 0xff;
        if (zeros(bytes, 0, 12)) {
            return isPrivateV4(bytes, 12); // IPv4-compatible, and :: and ::1, which land in 0/8
        }
        if (zeros(bytes, 0, 10) && (bytes[10] & 0xff) == 0xff && (bytes[11] & 0xff) == 0xff) {
            return isPrivateV4(bytes, 12); // IPv4-mapped
        }
        if (a == 0x00 && b == 0x64 && (bytes[2] & 0xff) == 0xff && (bytes[3] & 0xff) == 0x9b) {
            // NAT64: the well-known prefix 64:ff9b::/96 carries the IPv4 target; 64:ff9b:1::/48 is local use
            return !zeros(bytes, 4, 12) || isPrivateV4(bytes, 12);
        }
        if (a == 0x20 && b == 0x02) {
            return isPrivateV4(bytes, 2); // 6to4, 2002:a.b.c.d::/48
        }
        return (a & 0xfe) == 0xfc // unique local, fc00::/7
                || a == 0xfe && (b & 0xc0) == 0x80 // link-local, fe80::/10
                || a == 0xfe && (b & 0xc0) == 0xc0 // site-local, fec0::/10
                || a == 0xff; // multicast
    }

    private static boolean zeros(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return "CallbackAddresses[allowPrivate=" + allowPrivate + "]";
    }
}
