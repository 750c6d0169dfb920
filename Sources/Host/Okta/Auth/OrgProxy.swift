import Foundation
import XaasJSON

/// The HTTP proxy for an org's API and token calls: `"proxy"` in `org.json`, else `HTTPS_PROXY` /
/// `https_proxy` from the environment unless `NO_PROXY` / `no_proxy` names the org's host (a suffix match,
/// `*` = everything). Loopback orgs never use a proxy.
enum OrgProxy {
    /// The proxy URL for requests to `url`, or nil for a direct connection.
    static func resolve(for url: URL, configured: URL?,
                        environment: [String: String] = ProcessInfo.processInfo.environment) -> URL? {
        if let configured { return configured }
        let host = (url.host ?? "").lowercased()
        if OktaClient.isLoopback(host) { return nil }
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
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              url.host?.isEmpty == false, url.port != nil, url.user == nil, url.path.isEmpty || url.path == "/" else {
            reader.problem("$.proxy", "expected \"http://host:port\" (the proxy's address; no path or credentials)")
            return nil
        }
        return url
    }
}
