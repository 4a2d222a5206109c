package io.tokenmeter.billing.budget;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Where a tenant's webhook may point: a public address only, so billing cannot be turned into a scanner of the
 * network it runs in. The name is resolved and every address it gives is checked, when the webhook is set and again
 * before each delivery (a name can be made to resolve elsewhere later: DNS rebinding). Loopback, private (RFC 1918,
 * IPv6 unique local), shared (100.64/10), link-local (cloud metadata at 169.254.169.254 among them), multicast,
 * broadcast and unspecified addresses are refused; hosts named in {@code allowedHosts} (local development) are not
 * checked. Left open: the instant between this check and the HTTP client's own resolution.
 */
final class WebhookTargets {

    private final Set<String> allowedHosts;

    WebhookTargets(List<String> allowedHosts) {
        this.allowedHosts = allowedHosts.stream()
                .map(h -> h.strip().toLowerCase(Locale.ROOT))
                .collect(Collectors.toUnmodifiableSet());
    }

    /** Why the URL may not be called; empty when it may. */
    Optional<String> refusal(URI url) {
        String host = url.getHost();
        if (host == null) {
            return Optional.of("the URL has no host");
        }
        String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        if (allowedHosts.contains(bare.toLowerCase(Locale.ROOT))) {
            return Optional.empty();
        }
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(bare);
        } catch (UnknownHostException e) {
            return Optional.of(host + " does not resolve");
        }
        for (InetAddress address : addresses) {
            if (!isPublic(address)) {
                return Optional.of(
                        host + " resolves to " + address.getHostAddress() + ", which is not a public address");
            }
        }
        return Optional.empty();
    }

    static boolean isPublic(InetAddress a) {
        if (a.isLoopbackAddress()
                || a.isAnyLocalAddress()
                || a.isLinkLocalAddress()
                || a.isSiteLocalAddress()
                || a.isMulticastAddress()) {
            return false;
        }
        byte[] b = a.getAddress();
        if (a instanceof Inet6Address) {
            return (b[0] & 0xfe) != 0xfc; // fc00::/7, unique local
        }
        int first = b[0] & 0xff;
        int second = b[1] & 0xff;
        return first != 0 // "this network"
                && !(first == 100 && second >= 64 && second <= 127) // 100.64.0.0/10, carrier-grade NAT
                && !(first == 192 && second == 0 && (b[2] & 0xff) == 0) // 192.0.0.0/24, protocol assignments
                && !(first == 198 && (second == 18 || second == 19)) // benchmarking
                && first < 240; // reserved and broadcast
    }
}
