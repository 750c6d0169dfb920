import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one home of xaas's "https only, plain http only to loopback" rule, applied wherever a URL may
/// carry a credential (Okta org URLs, the Okta client, connector service URLs, alert webhooks) and to
/// the emulator's and status page's loopback-only checks.
///
/// Loopback is decided on the text of the host, never by resolving it:
/// - `localhost` (any case) — but not `localhost.` or `*.localhost`, which a resolver may send elsewhere;
/// - an IPv4 address in `127.0.0.0/8`, written as a strict dotted quad (`127.0.0.1`, not `127.1`);
/// - `::1` in any IPv6 spelling (`::1`, `0:0:0:0:0:0:0:1`, bracketed `[::1]`), and the IPv4-mapped
///   `::ffff:127.x.y.z`.
/// `0.0.0.0` and `::` ("any address") are not loopback.
public enum LoopbackRule {
    /// Why a URL may not carry a credential (each caller words its own message).
    public enum Violation: Equatable, Sendable {
        /// Not an absolute URL with a scheme and a host.
        case notAbsolute
        /// `user:password@` in the URL: credentials belong in secret settings.
        case userInfo
        /// A scheme other than `https` or `http` (lower-cased).
        case unsupportedScheme(String)
        /// `http` to a host that is not loopback.
        case plainHTTPToRemote(host: String)
    }

    /// Whether `host` (a URL host or a listen address, optionally bracketed) names the loopback interface.
    public static func isLoopbackHost(_ host: String) -> Bool {
        var h = host.lowercased()
        if h.hasPrefix("["), h.hasSuffix("]") { h = String(h.dropFirst().dropLast()) }
        if h == "localhost" { return true }
        var v4 = in_addr()
        if inet_pton(AF_INET, h, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { $0[0] == 127 }
        }
        var v6 = in6_addr()
        guard !h.contains("%"), inet_pton(AF_INET6, h, &v6) == 1 else { return false }
        return withUnsafeBytes(of: &v6) { b in
            let loopback = b[0..<15].allSatisfy { $0 == 0 } && b[15] == 1
            let mapped = b[0..<10].allSatisfy { $0 == 0 } && b[10] == 0xFF && b[11] == 0xFF && b[12] == 127
            return loopback || mapped
        }
    }

    /// Whether a peer address as a server reports it (`127.0.0.1:5000`, `[::1]:5000`, or a bare host)
    /// is loopback.
    public static func isLoopbackPeer(_ address: String) -> Bool {
        if address.hasPrefix("["), let end = address.firstIndex(of: "]") {
            return isLoopbackHost(String(address[address.index(after: address.startIndex)..<end]))
        }
        if address.filter({ $0 == ":" }).count == 1, let colon = address.firstIndex(of: ":") {
            return isLoopbackHost(String(address[..<colon]))
        }
        return isLoopbackHost(address)
    }

    /// Whether `url`'s host is loopback (see ``isLoopbackHost(_:)``).
    public static func isLoopback(_ url: URL) -> Bool {
        url.host.map(isLoopbackHost) ?? false
    }

    /// `nil` when `url` may carry a credential: absolute, no user info, and `https`, or `http` to loopback.
    public static func check(_ url: URL) -> Violation? {
        guard let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else { return .notAbsolute }
        guard url.user == nil, url.password == nil else { return .userInfo }
        switch scheme {
        case "https": return nil
        case "http": return isLoopbackHost(host) ? nil : .plainHTTPToRemote(host: host)
        default: return .unsupportedScheme(scheme)
        }
    }
}
