import XaasCrypto

/// An Okta API token or OAuth access token that never prints itself.
///
/// `description`, `debugDescription`, string interpolation and `dump` all show
/// `<redacted sha256:abcd1234>`: the first 8 hex digits of the token's SHA-256, enough to tell two
/// tokens apart in logs without revealing either.
public struct OktaSecret: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let value: String

    /// Wraps a token.
    public init(_ value: String) { self.value = value }

    /// The first 8 hex digits of the SHA-256 of the token.
    public var fingerprint: String { String(SHA256.hex(Array(value.utf8)).prefix(8)) }

    /// `<redacted sha256:abcd1234>`.
    public var description: String { "<redacted sha256:\(fingerprint)>" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["fingerprint": fingerprint]) }

    /// The token itself, for putting it on the wire (the `Authorization` header) and nowhere else.
    public func reveal() -> String { value }

    /// True when the token is empty.
    public var isEmpty: Bool { value.isEmpty }
}
