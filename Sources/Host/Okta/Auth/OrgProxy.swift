import Foundation
import Glibc
import XaasJSON

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
    /// The environment overrides for `org`: its `"proxy"` in the variables libcurl reads for the org's
    /// scheme (`https_proxy` and `HTTPS_PROXY` for an https org, `http_proxy` for an http loopback org;
    /// libcurl ignores an upper-case `HTTP_PROXY`); empty without a proxy. Only the org's scheme is set, so
    /// a connector's plain-http calls are not sent to the org's proxy.
    static func environment(for org: OrgConfig) -> [String: String] {
        guard let proxy = org.proxy, case .remote(let url) = org.endpoint else { return [:] }
        var text = proxy.absoluteString
        if text.hasSuffix("/") { text.removeLast() }
        let names = url.scheme?.lowercased() == "http" ? ["http_proxy"] : ["https_proxy", "HTTPS_PROXY"]
        return Dictionary(uniqueKeysWithValues: names.map { ($0, text) })
    }

    /// Sets `org`'s proxy variables in this process's environment (a worker, which talks to one org only).
    static func apply(_ org: OrgConfig) {
        for (name, value) in environment(for: org) { setenv(name, value, 1) }
    }

    /// Runs `body` with `org`'s proxy variables set, then restores the previous values. For commands that
    /// talk to several orgs in turn and make no request concurrently with `body`.
    static func withEnvironment<T>(for org: OrgConfig, _ body: () async throws -> T) async rethrows -> T {
        let overrides = environment(for: org)
        let saved = overrides.keys.map { name in (name, getenv(name).map { String(cString: $0) }) }
        for (name, value) in overrides { setenv(name, value, 1) }
        defer {
            for (name, value) in saved {
                if let value { setenv(name, value, 1) } else { unsetenv(name) }
            }
        }
        return try await body()
    }

    /// `"proxy": "http://host:port"` in org.json (http or https scheme, host and port, no path or
    /// credentials). Embedded orgs make no network calls, so a proxy there is an error.
    static func read(_ json: JSONValue, embedded: Bool, reader: inout ConfigReader) -> URL? {
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
        return url
    }
}
