import Foundation
import Glibc
import XaasJSON
import XaasText

/// The HTTP proxy for an org's API and token calls: `"proxy": "http://host:port"` in `org.json`, else the
/// process environment (`HTTPS_PROXY`/`https_proxy` for https orgs, `http_proxy` for http orgs,
/// `NO_PROXY`/`no_proxy` for exceptions).
///
/// FoundationNetworking (libcurl) ignores `URLSessionConfiguration.connectionProxyDictionary` and takes
/// its proxy only from the process environment, which it reads afresh for every new connection. So an
/// org's proxy is applied to the environment of the process that talks to that org: each source's sync runs
/// in its own worker process, which sets its org's proxy variables (``apply(_:)``) before it makes any
/// request; `xaas okta whoami`, which talks to several orgs one after another in one process, sets and
/// restores them around each org (``withEnvironment(for:_:)``). Token and API calls share the transport, so
/// both go through the proxy. `NO_PROXY` from xaas's environment still exempts hosts (libcurl's rule).
enum OrgProxy {
    /// The environment changes for `org` (nil = unset the variable): its `"proxy"` in the variables libcurl
    /// reads for the org's scheme (`https_proxy` and `HTTPS_PROXY` for an https org, `http_proxy` for an http
    /// loopback org; libcurl ignores an upper-case `HTTP_PROXY`). Only the org's scheme is set, so a
    /// connector's plain-http calls are not sent to the org's proxy.
    ///
    /// An http org's requests (token and key material in clear text) may go only to loopback: an
    /// `http_proxy` (or `all_proxy`) from `environment` naming another host is unset for it (the org is
    /// reached directly);
    /// org.json cannot name one (``read(_:embedded:reader:)``).
    static func environment(for org: OrgConfig,
                            environment: [String: String] = ProcessInfo.processInfo.environment) -> [String: String?] {
        guard case .remote(let url) = org.endpoint else { return [:] }
        let plainHTTP = url.scheme?.lowercased() == "http"
        if var text = org.proxy?.absoluteString {
            if text.hasSuffix("/") { text.removeLast() }
            let names = plainHTTP ? ["http_proxy"] : ["https_proxy", "HTTPS_PROXY"]
            return Dictionary(uniqueKeysWithValues: names.map { ($0, text) })
        }
        guard plainHTTP else { return [:] }
        var changes: [String: String?] = [:]
        for name in ["http_proxy", "all_proxy", "ALL_PROXY"] {
            if let inherited = environment[name], !inherited.isEmpty, !isLoopbackProxy(inherited) { changes[name] = .some(nil) }
        }
        return changes
    }

    /// Whether the proxy at `text` (`host:port` or a URL) is on loopback.
    static func isLoopbackProxy(_ text: String) -> Bool {
        guard let host = URL(string: text.contains("://") ? text : "http://" + text)?.host else { return false }
        return LoopbackRule.isLoopbackHost(host)
    }

    /// Makes `org`'s proxy variables this process's environment (a worker, which talks to one org only).
    static func apply(_ org: OrgConfig) {
        for (name, value) in environment(for: org) { set(name, value) }
    }

    /// Runs `body` with `org`'s proxy variables in the environment, then restores the previous values. For
    /// commands that talk to several orgs in turn and make no request concurrently with `body`.
    static func withEnvironment<T>(for org: OrgConfig, _ body: () async throws -> T) async rethrows -> T {
        let changes = environment(for: org)
        let saved = changes.keys.map { name in (name, getenv(name).map { String(cString: $0) }) }
        for (name, value) in changes { set(name, value) }
        defer { for (name, value) in saved { set(name, value) } }
        return try await body()
    }

    private static func set(_ name: String, _ value: String?) {
        if let value { setenv(name, value, 1) } else { unsetenv(name) }
    }

    /// `"proxy": "http://host:port"` in org.json (http or https scheme, host and port, no path or
    /// credentials). Embedded orgs make no network calls, so a proxy there is an error; an http (loopback)
    /// org's proxy must be on loopback too (`plainHTTP`).
    static func read(_ json: JSONValue, embedded: Bool, plainHTTP: Bool, reader: inout ConfigReader) -> URL? {
        guard let text = reader.string(json, "proxy", at: "$") else { return nil }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              url.host?.isEmpty == false, url.port != nil, url.user == nil, url.password == nil,
              url.path.isEmpty || url.path == "/", url.query == nil, url.fragment == nil else {
            reader.problem("$.proxy", "expected \"http://host:port\" (the proxy's address; no path or credentials)")
            return nil
        }
        if embedded {
            reader.problem("$.proxy", "an embedded org makes no network calls: remove \"proxy\" (it is for a remote org's url)")
            return nil
        }
        if plainHTTP, let host = url.host, !LoopbackRule.isLoopbackHost(host) {
            reader.problem("$.proxy", "an http:// org sends its credentials in clear text, so its proxy must be on loopback "
                           + "(127.0.0.1, ::1, localhost); use an https:// org url to go through \(host)")
            return nil
        }
        return url
    }
}
