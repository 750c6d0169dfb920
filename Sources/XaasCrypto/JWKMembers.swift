import COpenSSL

/// The key members of one JWK (RFC 7517/7518 §6), validated, and how they map to libcrypto parameters.
struct JWKMembers {
    let type: KeyType
    /// Decoded big-endian values by JWK member name (`n`, `e`, `d`, `p`, … or `x`, `y`, `d`).
    private let values: [String: [UInt8]]

    private static let rsaPublic = ["n", "e"]
    private static let rsaCRT = ["p", "q", "dp", "dq", "qi"]
    /// JWK member → OpenSSL parameter name.
    private static let rsaParameter = ["n": "n", "e": "e", "d": "d", "p": "rsa-factor1", "q": "rsa-factor2",
                                       "dp": "rsa-exponent1", "dq": "rsa-exponent2", "qi": "rsa-coefficient1"]

    init(_ jwk: [String: String]) throws(CryptoError) {
        func decode(_ name: String, width: Int? = nil) throws(CryptoError) -> [UInt8] {
            guard let text = jwk[name] else { throw CryptoError("the JWK has no \"\(name)\" member") }
            guard let bytes = Base64URL.decode(text), !bytes.isEmpty else {
                throw CryptoError("the JWK member \"\(name)\" is not base64url")
            }
            if let width, bytes.count != width {
                throw CryptoError("the JWK member \"\(name)\" has \(bytes.count) bytes; P-256 needs \(width)")
            }
            return bytes
        }
        var values: [String: [UInt8]] = [:]
        switch jwk["kty"] {
        case "RSA":
            type = .rsa
            for name in Self.rsaPublic { values[name] = try decode(name) }
            if jwk["d"] != nil {
                values["d"] = try decode("d")
                let present = Self.rsaCRT.filter { jwk[$0] != nil }
                if present.count == Self.rsaCRT.count { for name in present { values[name] = try decode(name) } }
            }
        case "EC":
            guard jwk["crv"] == "P-256" else {
                throw CryptoError("the JWK curve \"\(jwk["crv"] ?? "(none)")\" is not supported; only P-256 (ES256)")
            }
            type = .ecP256
            values["x"] = try decode("x", width: 32)
            values["y"] = try decode("y", width: 32)
            if jwk["d"] != nil { values["d"] = try decode("d", width: 32) }
        case let other:
            throw CryptoError("the JWK \"kty\" is \(other.map { "\"\($0)\"" } ?? "missing"); expected \"RSA\" or \"EC\"")
        }
        self.values = values
    }

    var hasPrivate: Bool { values["d"] != nil }

    /// A libcrypto key from these members (private members only when `includePrivate`).
    func build(selection: Int32, includePrivate: Bool = true) throws(CryptoError) -> OpaquePointer {
        let values = self.values
        switch type {
        case .rsa:
            return try EVPKey.fromParameters(type: "RSA", selection: selection) { (builder) throws(CryptoError) in
                for (member, parameter) in Self.rsaParameter.sorted(by: { $0.key < $1.key }) {
                    guard let bytes = values[member], includePrivate || Self.rsaPublic.contains(member) else { continue }
                    try builder.push(parameter, bytes)
                }
            }
        case .ecP256:
            return try EVPKey.fromParameters(type: "EC", selection: selection) { (builder) throws(CryptoError) in
                try builder.push("group", text: "prime256v1")
                try builder.push("pub", octets: [0x04] + values["x"]! + values["y"]!)
                if includePrivate, let d = values["d"] { try builder.push("priv", d) }
            }
        }
    }

    /// The public JWK members of `key`.
    static func publicMembers(of key: EVPKey) -> [String: String] {
        switch key.type {
        case .rsa:
            return ["kty": "RSA", "n": Base64URL.encode(key.bigNumber("n") ?? []), "e": Base64URL.encode(key.bigNumber("e") ?? [])]
        case .ecP256:
            return ["kty": "EC", "crv": "P-256", "x": Base64URL.encode(key.bigNumber("qx", width: 32) ?? []),
                    "y": Base64URL.encode(key.bigNumber("qy", width: 32) ?? [])]
        }
    }

    /// The public members plus `d` (and the RSA CRT members when the key has them).
    static func privateMembers(of key: EVPKey) -> [String: String] {
        var members = publicMembers(of: key)
        switch key.type {
        case .rsa:
            for (member, parameter) in rsaParameter where members[member] == nil {
                if let bytes = key.bigNumber(parameter) { members[member] = Base64URL.encode(bytes) }
            }
        case .ecP256:
            if let d = key.bigNumber("priv", width: 32) { members["d"] = Base64URL.encode(d) }
        }
        return members
    }

    /// RFC 7638: SHA-256 over the required members in lexicographic order, no whitespace, base64url.
    static func thumbprint(of jwk: [String: String]) -> String {
        let required = jwk["kty"] == "EC" ? ["crv", "kty", "x", "y"] : ["e", "kty", "n"]
        let body = required.map { "\"\($0)\":\"\(jwk[$0] ?? "")\"" }.joined(separator: ",")
        return Base64URL.encode(SHA256.hash(Array("{\(body)}".utf8)))
    }
}
