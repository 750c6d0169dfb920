import COpenSSL

/// The key types a JOSE signer here supports: RSA (RS256) and EC on P-256 (ES256).
public enum KeyType: String, Sendable, Equatable {
    case rsa = "RSA"
    case ecP256 = "EC P-256"

    /// The JWS `alg` this key signs with.
    public var jwsAlgorithm: String { self == .rsa ? "RS256" : "ES256" }
}

/// Owns one libcrypto `EVP_PKEY`. libcrypto keys are safe to share for concurrent signing and
/// verification (each operation makes its own context), hence `@unchecked Sendable`.
final class EVPKey: @unchecked Sendable {
    let pointer: OpaquePointer
    let type: KeyType

    /// Takes ownership of `pointer`; refuses anything but RSA (≥ 2048 bits when `minimumRSABits` says so)
    /// and EC on P-256.
    init(taking pointer: OpaquePointer, minimumRSABits: Int = 0) throws(CryptoError) {
        self.pointer = pointer
        if EVP_PKEY_is_a(pointer, "RSA") == 1 {
            type = .rsa
            let bits = Int(EVP_PKEY_get_bits(pointer))
            if bits < minimumRSABits {
                throw CryptoError("the RSA key has \(bits) bits; at least \(minimumRSABits) are required")
            }
        } else if EVP_PKEY_is_a(pointer, "EC") == 1 {
            type = .ecP256
            let curve = Self.curveName(pointer)
            guard curve == "prime256v1" || curve == "P-256" else {
                throw CryptoError("the EC key is on curve \(curve ?? "unknown"); only P-256 (ES256) is supported")
            }
        } else {
            let name = EVP_PKEY_get0_type_name(pointer).map { String(cString: $0) } ?? "unknown"
            throw CryptoError("unsupported key type \(name): expected an RSA or EC P-256 key")
        }
    }

    deinit { EVP_PKEY_free(pointer) }

    private static func curveName(_ key: OpaquePointer) -> String? {
        var buffer = [CChar](repeating: 0, count: 64)
        var length = 0
        guard EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, &buffer, buffer.count, &length) == 1 else {
            ERR_clear_error()
            return nil
        }
        return String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A big-number parameter (`n`, `e`, `d`, `qx`…) as big-endian bytes, left-padded to `width` when given.
    func bigNumber(_ name: String, width: Int? = nil) -> [UInt8]? {
        var bn: OpaquePointer? = nil
        guard EVP_PKEY_get_bn_param(pointer, name, &bn) == 1, let bn else { ERR_clear_error(); return nil }
        defer { BN_clear_free(bn) }
        let size = width ?? Int((BN_num_bits(bn) + 7) / 8)
        var out = [UInt8](repeating: 0, count: max(size, 1))
        guard BN_bn2binpad(bn, &out, Int32(out.count)) >= 0 else { ERR_clear_error(); return nil }
        return out
    }

    /// Builds a key from OpenSSL parameters (`selection` = keypair or public).
    static func fromParameters(type: String, selection: Int32,
                               build: (ParameterBuilder) throws(CryptoError) -> Void) throws(CryptoError) -> OpaquePointer {
        let builder = try ParameterBuilder()
        try build(builder)
        guard let params = OSSL_PARAM_BLD_to_param(builder.pointer) else { throw .openSSL("invalid key parameters") }
        defer { OSSL_PARAM_free(params) }
        guard let context = EVP_PKEY_CTX_new_from_name(nil, type, nil) else { throw .openSSL("no \(type) support") }
        defer { EVP_PKEY_CTX_free(context) }
        var key: OpaquePointer? = nil
        guard EVP_PKEY_fromdata_init(context) == 1, EVP_PKEY_fromdata(context, &key, selection, params) == 1,
              let key else { throw .openSSL("invalid \(type) key parameters") }
        return key
    }
}

/// An `OSSL_PARAM_BLD` plus the BIGNUMs it references (they must live until its parameters are built).
final class ParameterBuilder {
    let pointer: OpaquePointer
    private var numbers: [OpaquePointer] = []
    private var buffers: [UnsafeMutableRawPointer] = []

    init() throws(CryptoError) {
        guard let pointer = OSSL_PARAM_BLD_new() else { throw .openSSL("out of memory") }
        self.pointer = pointer
    }

    deinit {
        OSSL_PARAM_BLD_free(pointer)
        for bn in numbers { BN_clear_free(bn) }
        for buffer in buffers { buffer.deallocate() }
    }

    /// Pushes a big-endian unsigned integer parameter.
    func push(_ name: String, _ bytes: [UInt8]) throws(CryptoError) {
        guard let bn = BN_bin2bn(bytes, Int32(bytes.count), nil) else { throw .openSSL("out of memory") }
        numbers.append(bn)
        guard OSSL_PARAM_BLD_push_BN(pointer, keep(name), bn) == 1 else { throw .openSSL("invalid key parameter \(name)") }
    }

    /// Pushes a UTF-8 string parameter.
    func push(_ name: String, text: String) throws(CryptoError) {
        let bytes = Array(text.utf8) + [0]
        let copy = keep(bytes)
        guard OSSL_PARAM_BLD_push_utf8_string(pointer, keep(name), copy.assumingMemoryBound(to: CChar.self),
                                              bytes.count - 1) == 1 else { throw .openSSL("invalid key parameter \(name)") }
    }

    /// Pushes an octet-string parameter.
    func push(_ name: String, octets: [UInt8]) throws(CryptoError) {
        guard OSSL_PARAM_BLD_push_octet_string(pointer, keep(name), keep(octets), octets.count) == 1 else {
            throw .openSSL("invalid key parameter \(name)")
        }
    }

    /// A NUL-terminated copy of `name` that lives as long as the builder.
    private func keep(_ name: String) -> UnsafeMutablePointer<CChar> {
        keep(Array(name.utf8) + [0]).assumingMemoryBound(to: CChar.self)
    }

    /// A copy of `bytes` that lives as long as the builder (the builder references, not copies, its inputs).
    private func keep(_ bytes: [UInt8]) -> UnsafeMutableRawPointer {
        let copy = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
        if !bytes.isEmpty { bytes.withUnsafeBytes { copy.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) } }
        buffers.append(copy)
        return copy
    }
}
