import COpenSSL

/// A private signing key for JWS: RSA (RS256) or EC P-256 (ES256), from PEM (PKCS#1, PKCS#8, SEC1) or a
/// JWK, or freshly generated. Never prints its key material. Thread-safe.
public final class PrivateKey: Sendable, CustomStringConvertible {
    let key: EVPKey

    /// RSA or EC P-256.
    public var type: KeyType { key.type }

    /// The JWS `alg` this key signs with: `RS256` or `ES256`.
    public var algorithm: String { key.type.jwsAlgorithm }

    /// `<RSA private key>` / `<EC P-256 private key>`: never the key material.
    public var description: String { "<\(type.rawValue) private key>" }

    private init(_ key: EVPKey) { self.key = key }

    /// Parses a PEM private key: `BEGIN PRIVATE KEY` (PKCS#8), `BEGIN RSA PRIVATE KEY` (PKCS#1) or
    /// `BEGIN EC PRIVATE KEY` (SEC1). Encrypted keys are refused (no passphrase prompt). RSA keys need at
    /// least 2048 bits.
    public convenience init(pem: String) throws(CryptoError) {
        guard pem.contains("-----BEGIN") else { throw CryptoError("not a PEM private key (no -----BEGIN line)") }
        if pem.contains("ENCRYPTED") {
            throw CryptoError("the PEM private key is encrypted; provide it unencrypted (protect it with file permissions or a secret store)")
        }
        guard pem.contains("PRIVATE KEY-----") else {
            throw CryptoError("the PEM block is not a private key (expected BEGIN PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)")
        }
        let bytes = Array(pem.utf8)
        guard let bio = BIO_new_mem_buf(bytes, Int32(bytes.count)) else { throw .openSSL("out of memory") }
        defer { BIO_free(bio) }
        let refusePassphrase: @convention(c) (UnsafeMutablePointer<CChar>?, Int32, Int32, UnsafeMutableRawPointer?) -> Int32 = { _, _, _, _ in -1 }
        guard let pointer = PEM_read_bio_PrivateKey(bio, nil, refusePassphrase, nil) else {
            throw .openSSL("the PEM private key could not be parsed")
        }
        self.init(try EVPKey(taking: pointer, minimumRSABits: 2048))
    }

    /// Parses a private JWK (`kty` RSA with `n`, `e`, `d` and optionally the CRT members `p`, `q`, `dp`,
    /// `dq`, `qi`; or `kty` EC with `crv` P-256, `x`, `y`, `d`). Members are the JWK's string members.
    public convenience init(jwk: [String: String]) throws(CryptoError) {
        let parsed = try JWKMembers(jwk)
        guard parsed.hasPrivate else { throw CryptoError("the JWK has no private key member \"d\": it is a public key") }
        self.init(try EVPKey(taking: parsed.build(selection: xaas_selection_keypair()), minimumRSABits: 2048))
    }

    /// A fresh EC P-256 key (e.g. a per-process DPoP proof key).
    public static func generateECP256() throws(CryptoError) -> PrivateKey {
        guard let pointer = xaas_generate_ec_p256() else { throw .openSSL("EC P-256 key generation failed") }
        return PrivateKey(try EVPKey(taking: pointer))
    }

    /// A fresh RSA key of `bits` bits (tests and tooling).
    public static func generateRSA(bits: Int = 2048) throws(CryptoError) -> PrivateKey {
        guard let pointer = xaas_generate_rsa(UInt32(bits)) else { throw .openSSL("RSA key generation failed") }
        return PrivateKey(try EVPKey(taking: pointer))
    }

    /// The matching public key.
    public var publicKey: PublicKey {
        // Public members of a key we hold always exist; rebuild a public-only key from them.
        PublicKey(unchecked: JWKMembers.publicMembers(of: key))
    }

    /// The JWS signature of `message`: RSASSA-PKCS1-v1_5 with SHA-256 for RSA; for EC, ECDSA P-256 with
    /// SHA-256 in JOSE form (32-byte `r` ‖ 32-byte `s`, RFC 7518 §3.4).
    public func sign(_ message: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard let context = EVP_MD_CTX_new() else { throw .openSSL("out of memory") }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestSignInit(context, nil, EVP_sha256(), nil, key.pointer) == 1 else { throw .openSSL("signing failed") }
        var length = 0
        guard EVP_DigestSign(context, nil, &length, message, message.count) == 1 else { throw .openSSL("signing failed") }
        var signature = [UInt8](repeating: 0, count: length)
        guard EVP_DigestSign(context, &signature, &length, message, message.count) == 1 else { throw .openSSL("signing failed") }
        signature.removeSubrange(length...)
        return key.type == .rsa ? signature : try ECDSASignature.joseFromDER(signature)
    }

    /// PEM text of this key: PKCS#8 (`BEGIN PRIVATE KEY`) or, with `traditional`, PKCS#1 / SEC1.
    /// For tests and key tooling; never log it.
    public func pem(traditional: Bool = false) throws(CryptoError) -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { throw .openSSL("out of memory") }
        defer { BIO_free(bio) }
        let ok = traditional
            ? PEM_write_bio_PrivateKey_traditional(bio, key.pointer, nil, nil, 0, nil, nil)
            : PEM_write_bio_PrivateKey(bio, key.pointer, nil, nil, 0, nil, nil)
        guard ok == 1 else { throw .openSSL("PEM encoding failed") }
        var data: UnsafeMutablePointer<CChar>? = nil
        let length = xaas_bio_mem_data(bio, &data)
        guard let data, length > 0 else { throw .openSSL("PEM encoding failed") }
        return String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
    }

    /// The private JWK members (including `d` and, for RSA, the CRT members). For tests and tooling.
    public func privateJWK() -> [String: String] { JWKMembers.privateMembers(of: key) }
}
