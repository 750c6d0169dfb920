/// JWS compact serialization (RFC 7515 §7.1) over JSON text the caller builds and parses.
public enum CompactJWS {
    /// `base64url(header).base64url(payload).base64url(signature)` signed with `key` (its `alg` must already
    /// be in `headerJSON`).
    public static func sign(headerJSON: String, payloadJSON: String, key: PrivateKey) throws(CryptoError) -> String {
        let input = Base64URL.encode(headerJSON) + "." + Base64URL.encode(payloadJSON)
        return input + "." + Base64URL.encode(try key.sign(Array(input.utf8)))
    }

    /// The three decoded parts of a compact JWS, and the signing input to verify against.
    public struct Parts: Sendable {
        public let header: [UInt8]
        public let payload: [UInt8]
        public let signature: [UInt8]
        public let signingInput: [UInt8]
    }

    /// Splits and decodes `token`; nil unless it is exactly three base64url parts.
    public static func parse(_ token: String) -> Parts? {
        let pieces = token.split(separator: ".", omittingEmptySubsequences: false)
        guard pieces.count == 3, let header = Base64URL.decode(String(pieces[0])),
              let payload = Base64URL.decode(String(pieces[1])), let signature = Base64URL.decode(String(pieces[2])),
              !header.isEmpty, !payload.isEmpty else { return nil }
        return Parts(header: header, payload: payload, signature: signature,
                     signingInput: Array("\(pieces[0]).\(pieces[1])".utf8))
    }
}
