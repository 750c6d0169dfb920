import Foundation
import Testing
import TestSupport
import XaasCrypto

@Suite("XaasCrypto: SHA-256 and HMAC-SHA256")
struct SHA256Tests {
    @Test("SHA-256 matches the NIST FIPS 180-4 examples", arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ])
    func sha256(message: String, digest: String) { #expect(SHA256.hex(Array(message.utf8)) == digest) }

    @Test("SHA-256 of one million 'a' (NIST long message)")
    func sha256Million() {
        #expect(SHA256.hex([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("SHA-256 across the padding boundaries (55, 56, 63, 64, 65 bytes) agrees with python's hashlib",
          .enabled(if: TestSupport.python(with: ["hashlib"]) != nil, "python3 not installed"))
    func sha256Boundaries() throws {
        for n in [55, 56, 63, 64, 65, 119, 120] {
            let text = String(repeating: "x", count: n)
            let r = try TestSupport.run(URL(fileURLWithPath: "/usr/bin/env"),
                                        ["python3", "-c", "import hashlib;print(hashlib.sha256(b'x'*\(n)).hexdigest())"])
            #expect(SHA256.hex(Array(text.utf8)) == r.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "n=\(n)")
        }
    }

    @Test("HMAC-SHA256 matches the RFC 4231 test cases", arguments: [
        // Case 1: 20-byte key.
        ([UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8),
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        // Case 2: a key shorter than the block.
        (Array("Jefe".utf8), Array("what do ya want for nothing?".utf8),
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        // Case 3: 0xaa key, 0xdd data.
        ([UInt8](repeating: 0xaa, count: 20), [UInt8](repeating: 0xdd, count: 50),
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        // Case 6: a 131-byte key (longer than the block, hashed first).
        ([UInt8](repeating: 0xaa, count: 131), Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
    ])
    func hmac(key: [UInt8], message: [UInt8], mac: String) {
        #expect(SHA256.hexString(SHA256.hmac(key: key, message)) == mac)
    }

    @Test("hexString is lower-case, two digits a byte")
    func hexString() {
        #expect(SHA256.hexString([0x00, 0x0f, 0xa0, 0xff]) == "000fa0ff")
        #expect(SHA256.hexString([]) == "")
    }
}
