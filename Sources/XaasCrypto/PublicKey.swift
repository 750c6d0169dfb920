import COpenSSL

/// A public JWS verification key (RSA or EC P-256), from a public JWK or a ``PrivateKey``. Thread-safe.
public final class PublicKey: Sendable {
    let key: EVPKey
    /// The public JWK members (`kty`, `n`/`e` or `crv`/`x`/`y`), as a JWK set publishes them.
    public let jwk: [String: String]

    /// RSA or EC P-256.
    public var type: KeyType { key.type }

    init(unchecked members: [String: String]) {
        // Members taken from a key we already hold always rebuild.
        // swiftlint:disable:next force_try
        let parsed = try! JWKMembers(members)
        key = try! EVPKey(taking: parsed.build(selection: xaas_selection_public()))
        jwk = members
    }

    /// Parses a public JWK (private members, if any, are ignored). RSA keys of any size are accepted for
    /// verification; EC keys must be on P-256 and their point on the curve.
    public init(jwk members: [String: String]) throws(CryptoError) {
        let parsed = try JWKMembers(members)
        key = try EVPKey(taking: parsed.build(selection: xaas_selection_public(), includePrivate: false))
        jwk = JWKMembers.publicMembers(of: key)
    }

    /// The RFC 7638 JWK SHA-256 thumbprint, base64url (what DPoP's `cnf.jkt` holds).
    public var thumbprint: String { JWKMembers.thumbprint(of: jwk) }

    /// True when `signature` is a valid JWS signature of `message` under this key with `algorithm`
    /// (`RS256` for RSA, `ES256` for EC P-256 in JOSE r‖s form). Any other pairing is false.
    public func verify(signature: [UInt8], message: [UInt8], algorithm: String) -> Bool {
        guard algorithm == key.type.jwsAlgorithm else { return false }
        let der: [UInt8]
        if key.type == .ecP256 {
            guard let converted = ECDSASignature.derFromJOSE(signature) else { return false }
            der = converted
        } else {
            der = signature
        }
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context); ERR_clear_error() }
        guard EVP_DigestVerifyInit(context, nil, EVP_sha256(), nil, key.pointer) == 1 else { return false }
        return EVP_DigestVerify(context, der, der.count, message, message.count) == 1
    }
}

/// ECDSA signature encodings: DER `ECDSA-Sig-Value` (what libcrypto speaks) ↔ JOSE `r ‖ s` (RFC 7518 §3.4).
enum ECDSASignature {
    static func joseFromDER(_ der: [UInt8]) throws(CryptoError) -> [UInt8] {
        let parsed: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_ECDSA_SIG(nil, &cursor, buffer.count)
        }
        guard let parsed else { throw .openSSL("malformed ECDSA signature") }
        defer { ECDSA_SIG_free(parsed) }
        var out = [UInt8](repeating: 0, count: 64)
        guard let r = ECDSA_SIG_get0_r(parsed), let s = ECDSA_SIG_get0_s(parsed),
              out.withUnsafeMutableBufferPointer({ BN_bn2binpad(r, $0.baseAddress, 32) == 32
                  && BN_bn2binpad(s, $0.baseAddress! + 32, 32) == 32 }) else {
            throw .openSSL("malformed ECDSA signature")
        }
        return out
    }

    static func derFromJOSE(_ jose: [UInt8]) -> [UInt8]? {
        guard jose.count == 64, let signature = ECDSA_SIG_new() else { return nil }
        defer { ECDSA_SIG_free(signature) }
        guard let r = BN_bin2bn(jose, 32, nil) else { return nil }
        guard let s = jose.withUnsafeBufferPointer({ BN_bin2bn($0.baseAddress! + 32, 32, nil) }) else {
            BN_free(r)
            return nil
        }
        guard ECDSA_SIG_set0(signature, r, s) == 1 else { BN_free(r); BN_free(s); return nil }
        var out: UnsafeMutablePointer<UInt8>? = nil
        let length = i2d_ECDSA_SIG(signature, &out)
        guard length > 0, let out else { return nil }
        defer { CRYPTO_free(out, #file, #line) }
        return Array(UnsafeBufferPointer(start: out, count: Int(length)))
    }
}
