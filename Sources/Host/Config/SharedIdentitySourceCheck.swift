import Foundation

/// Finds one Okta identity source configured in two tenant folders (same org URL, same identity source id).
///
/// Two tenants driving one identity source would open import sessions against each other (one run fails on
/// the other's "foreign" session) and each would deactivate the other's users as absent. The first tenant
/// (in name order) keeps the source; the later one's source is reported and left out.
enum SharedIdentitySourceCheck {
    /// `tenants` without the sources that repeat an earlier tenant's (org, identity source), and a problem
    /// for each one left out.
    static func apply(_ tenants: [TenantConfig]) -> (tenants: [TenantConfig], problems: [ConfigProblem]) {
        var owner: [String: (tenant: String, file: URL)] = [:]
        var problems: [ConfigProblem] = []
        var kept = tenants
        for t in kept.indices {
            guard let org = orgKey(kept[t].org) else { continue }
            let tenant = kept[t].name
            kept[t].sources.removeAll { source in
                let key = org + " " + source.identitySourceId
                if let first = owner[key], first.tenant != tenant {
                    problems.append(ConfigProblem(
                        file: ConfigDirectory.displayPath(source.file), jsonPath: "$.identitySourceId",
                        message: "identity source \(source.identitySourceId) of \(org) is already synced by tenant "
                            + "\(first.tenant) (\(ConfigDirectory.displayPath(first.file))); two tenants must not drive "
                            + "one identity source (their sessions would collide and each would deactivate the other's users). "
                            + "This source was skipped"))
                    return true
                }
                owner[key] = owner[key] ?? (tenant, source.file)
                return false
            }
        }
        return (kept, problems)
    }

    /// `scheme://host:port` of a remote org, lowercased; `nil` for embedded orgs (each has its own emulator).
    static func orgKey(_ org: OrgConfig) -> String? {
        guard case .remote(let url) = org.endpoint else { return nil }
        let scheme = (url.scheme ?? "https").lowercased()
        let port = url.port ?? (scheme == "http" ? 80 : 443)
        return "\(scheme)://\((url.host ?? "").lowercased()):\(port)"
    }
}
