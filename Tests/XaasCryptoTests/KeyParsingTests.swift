import Foundation
import Testing
import TestSupport
import XaasCrypto

@Suite("XaasCrypto: PEM/JWK key parsing, generation, randomness")
struct KeyParsingTests {
    @Test("PKCS#8 and traditional (PKCS#1 / SEC1) PEM round-trip for RSA and EC; the public key is unchanged")
    func pemRoundTrip() throws {
        for key in [try PrivateKey.generateRSA(), try PrivateKey.generateECP256()] {
            let pkcs8 = try key.pem()
            let traditional = try key.pem(traditional: true)
            #expect(pkcs8.contains("BEGIN PRIVATE KEY"))
            #expect(traditional.contains(key.type == .rsa ? "BEGIN RSA PRIVATE KEY" : "BEGIN EC PRIVATE KEY"))
            for text in [pkcs8, traditional] {
                let parsed = try PrivateKey(pem: text)
                #expect(parsed.type == key.type)
                #expect(parsed.publicKey.jwk == key.publicKey.jwk)
                let message = Array("hello".utf8)
                #expect(key.publicKey.verify(signature: try parsed.sign(message), message: message, algorithm: key.algorithm))
            }
        }
    }

    @Test("keys made by the openssl CLI (genpkey RSA, EC prime256v1, and -traditional) parse",
          .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"), "openssl CLI not installed"))
    func opensslCLI() throws {
        let dir = try TestSupport.makeTemporaryDirectory()
        let cases: [([String], KeyType)] = [
            (["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], .rsa),
            (["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"], .ecP256),
            (["ecparam", "-name", "prime256v1", "-genkey", "-noout"], .ecP256),
        ]
        for (i, (arguments, type)) in cases.enumerated() {
            let path = dir.appendingPathComponent("k\(i).pem").path
            let result = try TestSupport.run(URL(fileURLWithPath: "/usr/bin/openssl"), arguments + ["-out", path])
            #expect(result.status == 0, "\(result.stderr)")
            let key = try PrivateKey(pem: String(contentsOfFile: path, encoding: .utf8))
            #expect(key.type == type)
        }
    }

    @Test("private JWK round-trip (RSA with CRT members, EC); a public JWK is refused as a private key")
    func jwkRoundTrip() throws {
        for key in [try PrivateKey.generateRSA(), try PrivateKey.generateECP256()] {
            let jwk = key.privateJWK()
            #expect(jwk["d"] != nil)
            if key.type == .rsa { #expect(jwk["qi"] != nil && jwk["p"] != nil) }
            let parsed = try PrivateKey(jwk: jwk)
            #expect(parsed.publicKey.thumbprint == key.publicKey.thumbprint)
            #expect(throws: CryptoError.self) { try PrivateKey(jwk: key.publicKey.jwk) }
        }
    }

    @Test("bad keys give errors that say what is wrong", arguments: [
        ("not a key", "no -----BEGIN"),
        ("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "not a private key"),
        ("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n", "encrypted"),
        ("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "could not be parsed"),
    ])
    func badPEM(text: String, expected: String) {
        #expect { try PrivateKey(pem: text) } throws: { ($0 as? CryptoError)?.message.contains(expected) == true }
    }

    @Test("JWK errors: unknown kty, other curve, wrong coordinate size, short RSA key, off-curve point")
    func badJWK() throws {
        let ec = JOSEVectorTests.ecJWK
        func message(_ jwk: [String: String]) -> String {
            do { _ = try PublicKey(jwk: jwk); return "accepted" } catch { return error.message }
        }
        #expect(message(["kty": "oct", "k": "AAAA"]).contains("\"oct\""))
        #expect(message(ec.merging(["crv": "P-384"]) { $1 }).contains("P-384"))
        #expect(message(ec.merging(["x": "AAAA"]) { $1 }).contains("\"x\""))
        #expect(message(ec.merging(["y": ec["x"]!]) { $1 }) != "accepted")
        let small = try PrivateKey.generateRSA(bits: 1024).privateJWK()
        #expect { try PrivateKey(jwk: small) } throws: { ($0 as? CryptoError)?.message.contains("at least 2048") == true }
    }

    @Test("descriptions never show key material")
    func redaction() throws {
        let key = try PrivateKey.generateECP256()
        #expect("\(key)" == "<EC P-256 private key>")
        #expect(!String(describing: key).contains(key.privateJWK()["d"]!))
    }

    @Test("random bytes differ between calls; UUIDs are version 4")
    func randomness() {
        #expect(SecureRandom.bytes(32) != SecureRandom.bytes(32))
        #expect(SecureRandom.bytes(0).isEmpty)
        let uuid = SecureRandom.uuid()
        #expect(uuid.count == 36 && Array(uuid)[14] == "4")
        #expect(SecureRandom.uuid() != uuid)
    }
}
