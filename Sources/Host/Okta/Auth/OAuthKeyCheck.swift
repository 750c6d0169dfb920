import Foundation

/// `xaas config check` for `auth.oauth`: the private key resolves, parses, is RSA (≥ 2048 bits) or EC
/// P-256, and (for a file) is readable only by its owner. Okta is not contacted.
enum OAuthKeyCheck {
    static func problems(_ oauth: OAuthSettings, org: OrgConfig) -> [ConfigProblem] {
        let file = org.file.map(ConfigDirectory.displayPath) ?? "org.json"
        do {
            _ = try oauth.loadKey()
            return []
        } catch {
            let location = error.file == file ? "" : "\(error.file): "
            return [ConfigProblem(file: file, jsonPath: "$.auth.oauth.privateKey", message: location + error.message)]
        }
    }
}
