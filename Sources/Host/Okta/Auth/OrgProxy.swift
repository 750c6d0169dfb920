import Foundation
import XaasJSON
import XaasText

/// The HTTP proxy for an org's API and token calls: `"proxy"` in `org.json`, else `HTTPS_PROXY` /
/// `https_proxy` from the environment unless `NO_PROXY` / `no_proxy` names the org's host (a suffix match,
/// `*` = everything). Loopback orgs never use a proxy.
///
/// On Linux the `"proxy"` key is a config error: FoundationNetworking ignores the session's proxy
/// dictionary, and libcurl itself applies `HTTPS_PROXY`/`https_proxy` (https orgs), `http_proxy` (http orgs)
/// and `NO_PROXY`/`no_proxy` from the environment to every request, token calls included.
enum OrgProxy {
    /// The proxy URL for requests to `url`, or nil for a direct connection.
    static func resolve(for url: URL, configured: URL?,
                        environment: [String: String] = ProcessInfo.processInfo.environment) -> URL? {
        if let configured { return configured }
        let host = (url.host ?? "").lowercased()
        if LoopbackRule.isLoopbackHost(host) { return nil }
        guard let text = environment["HTTPS_PROXY"] ?? environment["https_proxy"], !text.isEmpty else { return nil }
        let exclusions = (environment["NO_PROXY"] ?? environment["no_proxy"] ?? "")
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
        for rule in exclusions {
            if rule == "*" { return nil }
            let suffix = rule.hasPrefix(".") ? String(rule.dropFirst()) : rule
            if host == suffix || host.hasSuffix("." + suffix) { return nil }
        }
        return URL(string: text.contains("://") ? text : "http://" + text)
    }

    /// `"proxy": "http://host:port"` in org.json (http or https scheme, host and port, no path or user).
    static func read(_ json: JSONValue, reader: inout ConfigReader) -> URL? {
        guard let text = reader.string(json, "proxy", at: "$") else { return nil }
        #if os(Linux)
        // FoundationNetworking (libcurl) ignores URLSessionConfiguration.connectionProxyDictionary, and libcurl
        // takes a proxy per request only from the environment (process-wide, not per org): a key that would
        // silently do nothing is refused instead (Tests/SyncTests/OrgProxyTests.swift).
        reader.problem("$.proxy", "\"proxy\" is not supported on Linux (FoundationNetworking ignores a per-org proxy); "
                       + "set HTTPS_PROXY=http://host:port (and NO_PROXY for exceptions) in xaas's environment instead: "
                       + "it applies to the token and API calls alike")
        return nil
        #else
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              url.host?.isEmpty == false, url.port != nil, url.user == nil, url.path.isEmpty || url.path == "/" else {
            reader.problem("$.proxy", "expected \"http://host:port\" (the proxy's address; no path or credentials)")
            return nil
        }
        return url
        #endif
    }
}
