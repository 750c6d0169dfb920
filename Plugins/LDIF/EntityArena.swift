/// The entries a ``DNIndex`` names, stored compactly with their exact keys so that every lookup can be
/// verified: the normalised DN (first RDN + an interned parent DN), the lowercased `uid` values, the
/// kind, and the externalId.
///
/// ## Layout
/// Records are appended to 1 MiB chunks (growing never copies what is stored, so there is no
/// transient double allocation) and never move; an entry is named by its *offset*,
/// `chunk << 20 | position` (0 is never used). A record is:
///
///     tag            bit 0: group; bits 1–2: externalId form (raw, UUID lower, UUID upper, = the DN)
///     varint         parent DN number + 1 (0: the DN is one RDN)
///     varint, bytes  the first RDN of the normalised DN
///     varint         number of uids, then per uid an *item*: varint distance back to the record's
///                    start, varint 0 (= the RDN's value) or length + 1, bytes
///     externalId     raw: varint length + UTF-8; UUID: 16 bytes; DN form: nothing
///
/// A DN key names its record's offset, a uid key its item's offset, so a slot stands for exactly one
/// key. A slapcat user (`uid=u0000001,ou=people,…`, an `entryUUID`) takes 34 bytes. Not thread-safe.
struct EntityArena {
    static let chunkBits = 20
    private static let chunkSize = 1 << chunkBits

    private enum IdForm: UInt8 { case raw = 0, uuidLower = 1, uuidUpper = 2, dn = 3 }

    private var chunks: [[UInt8]] = []
    /// Distinct parent DNs (everything after the first RDN), numbered in order of first use.
    private var parents: [[UInt8]] = []
    private var parentNumbers: [[UInt8]: Int] = [:]
    private var lastParent: Int?
    private var scratch: [UInt8] = []

    /// Bytes held by the records and the parent DNs.
    var memoryBytes: Int {
        chunks.reduce(0) { $0 + $1.capacity } + parents.reduce(0) { $0 + $1.count + 48 }
    }

    /// Stores an entry; returns its offset (never 0) and the offset of each uid's item.
    mutating func append(dn: UnsafeBufferPointer<UInt8>, uids: [[UInt8]], externalId: String,
                         group: Bool) -> (record: UInt64, uids: [UInt64]) {
        let split = Self.firstRDNEnd(dn)
        let rdn = UnsafeBufferPointer(rebasing: dn[..<split])
        let rdnValue = Self.value(ofRDN: rdn)
        var id = externalId
        let form: IdForm = id.withUTF8 { u in
            if u.elementsEqual(dn) { return .dn }
            return Self.uuidCase(u) ?? .raw
        }
        scratch.removeAll(keepingCapacity: true)
        scratch.append((group ? 1 : 0) | form.rawValue << 1)
        Self.putVarint(split < dn.count ? parentNumber(UnsafeBufferPointer(rebasing: dn[(split + 1)...])) + 1 : 0, &scratch)
        Self.putVarint(rdn.count, &scratch)
        scratch.append(contentsOf: rdn)
        Self.putVarint(uids.count, &scratch)
        var items: [Int] = []
        for uid in uids {
            items.append(scratch.count)
            Self.putVarint(scratch.count, &scratch)
            if uid.elementsEqual(rdnValue) { scratch.append(0); continue }
            Self.putVarint(uid.count + 1, &scratch)
            scratch.append(contentsOf: uid)
        }
        switch form {
        case .raw:
            Self.putVarint(id.utf8.count, &scratch)
            scratch.append(contentsOf: id.utf8)
        case .uuidLower, .uuidUpper:
            id.withUTF8 { Self.putUUID($0, &scratch) }
        case .dn:
            break
        }
        let record = store(scratch)
        return (record, items.map { record + UInt64($0) })
    }

    /// Whether the key stored at `offset` (a record's DN for `.dn`, a uid item for `.uid`) is `key`:
    /// an exact byte comparison.
    func key(at offset: UInt64, is key: UnsafeBufferPointer<UInt8>, _ namespace: DNIndex.Namespace) -> Bool {
        if namespace == .uid {
            return withRecord(offset) { item in
                var c = Cursor(item)
                let back = c.varint(), code = c.varint()
                if code > 0 { return c.bytes(code - 1).elementsEqual(key) }
                return withRecord(offset - UInt64(back)) { r in
                    var c = Cursor(r)
                    c.i += 1
                    _ = c.varint()
                    return Self.value(ofRDN: c.bytes(c.varint())).elementsEqual(key)
                }
            }
        }
        return withRecord(offset) { r in
            var c = Cursor(r)
            c.i += 1
            let parent = c.varint()
            let rdn = c.bytes(c.varint())
            guard key.count >= rdn.count, key.prefix(rdn.count).elementsEqual(rdn) else { return false }
            guard parent > 0 else { return key.count == rdn.count }
            let rest = key.dropFirst(rdn.count)
            return rest.first == UInt8(ascii: ",") && rest.dropFirst().elementsEqual(parents[parent - 1])
        }
    }

    /// The externalId and kind of the entry a key at `offset` names (see ``key(at:is:_:)``).
    func externalId(at offset: UInt64, _ namespace: DNIndex.Namespace) -> (externalId: String, kind: DNIndex.Kind) {
        let start = namespace == .dn ? offset : offset - UInt64(withRecord(offset) { item in
            var c = Cursor(item)
            return c.varint()
        })
        return withRecord(start) { r in
            var c = Cursor(r)
            let tag = r[r.startIndex]
            c.i += 1
            let parent = c.varint()
            let rdn = c.bytes(c.varint())
            for _ in 0..<c.varint() {
                _ = c.varint()
                let code = c.varint()
                if code > 0 { c.i += code - 1 }
            }
            let kind: DNIndex.Kind = tag & 1 == 1 ? .group : .user
            switch IdForm(rawValue: tag >> 1 & 3)! {
            case .raw: return (String(decoding: c.bytes(c.varint()), as: UTF8.self), kind)
            case .uuidLower: return (Self.formatUUID(c.bytes(16), uppercase: false), kind)
            case .uuidUpper: return (Self.formatUUID(c.bytes(16), uppercase: true), kind)
            case .dn:
                var dn = Array(rdn)
                if parent > 0 { dn.append(UInt8(ascii: ",")); dn += parents[parent - 1] }
                return (String(decoding: dn, as: UTF8.self), kind)
            }
        }
    }

    // MARK: - Storage

    private mutating func store(_ record: [UInt8]) -> UInt64 {
        if chunks.isEmpty || chunks[chunks.count - 1].count + record.count > Self.chunkSize {
            var chunk: [UInt8] = []
            chunk.reserveCapacity(max(Self.chunkSize, record.count + 1))
            if chunks.isEmpty { chunk.append(0) }  // offset 0 means "no entry"
            chunks.append(chunk)
        }
        let last = chunks.count - 1
        let offset = UInt64(last) << UInt64(Self.chunkBits) | UInt64(chunks[last].count)
        chunks[last].append(contentsOf: record)
        return offset
    }

    private func withRecord<T>(_ offset: UInt64, _ body: (UnsafeBufferPointer<UInt8>.SubSequence) -> T) -> T {
        let chunk = Int(offset >> UInt64(Self.chunkBits)), position = Int(offset & UInt64(Self.chunkSize - 1))
        return chunks[chunk].withUnsafeBufferPointer { body($0[position...]) }
    }

    private mutating func parentNumber(_ parent: UnsafeBufferPointer<UInt8>) -> Int {
        if let last = lastParent, parents[last].elementsEqual(parent) { return last }
        let bytes = Array(parent)
        let number = parentNumbers[bytes] ?? {
            parents.append(bytes)
            parentNumbers[bytes] = parents.count - 1
            return parents.count - 1
        }()
        lastParent = number
        return number
    }

    // MARK: - Encoding

    /// Reads a record: varints and byte runs.
    private struct Cursor {
        let r: UnsafeBufferPointer<UInt8>.SubSequence
        var i: Int
        init(_ r: UnsafeBufferPointer<UInt8>.SubSequence) { self.r = r; i = r.startIndex }

        mutating func varint() -> Int {
            var n = 0, shift = 0
            while true {
                let b = r[i]; i += 1
                n |= Int(b & 0x7F) << shift; shift += 7
                if b & 0x80 == 0 { return n }
            }
        }

        mutating func bytes(_ n: Int) -> UnsafeBufferPointer<UInt8>.SubSequence {
            defer { i += n }
            return r[i..<(i + n)]
        }
    }

    private static func putVarint(_ value: Int, _ out: inout [UInt8]) {
        var n = value
        repeat { out.append(UInt8(n & 0x7F) | (n > 0x7F ? 0x80 : 0)); n >>= 7 } while n > 0
    }

    /// Where the first RDN of a normalised DN ends: its first `,` not escaped by `\`, or the end.
    static func firstRDNEnd(_ dn: UnsafeBufferPointer<UInt8>) -> Int {
        var i = 0
        while i < dn.count {
            if dn[i] == UInt8(ascii: "\\") { i += 2; continue }
            if dn[i] == UInt8(ascii: ",") { return i }
            i += 1
        }
        return dn.count
    }

    private static func value<C: Collection<UInt8>>(ofRDN rdn: C) -> C.SubSequence {
        guard let eq = rdn.firstIndex(of: UInt8(ascii: "=")) else { return rdn[rdn.endIndex...] }
        return rdn[rdn.index(after: eq)...]
    }

    private static func isHyphen(_ k: Int) -> Bool { k == 8 || k == 13 || k == 18 || k == 23 }

    /// `.uuidLower`/`.uuidUpper` when `u` is a UUID in the canonical 8-4-4-4-12 form with hex
    /// digits of one case (so formatting the 16 bytes gives `u` back), else nil.
    private static func uuidCase(_ u: UnsafeBufferPointer<UInt8>) -> IdForm? {
        guard u.count == 36 else { return nil }
        var lower = false, upper = false
        for (k, b) in u.enumerated() {
            if isHyphen(k) { guard b == UInt8(ascii: "-") else { return nil }; continue }
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): continue
            case UInt8(ascii: "a")...UInt8(ascii: "f"): lower = true
            case UInt8(ascii: "A")...UInt8(ascii: "F"): upper = true
            default: return nil
            }
        }
        if lower && upper { return nil }
        return upper ? .uuidUpper : .uuidLower
    }

    private static func putUUID(_ u: UnsafeBufferPointer<UInt8>, _ out: inout [UInt8]) {
        func nibble(_ b: UInt8) -> UInt8 { b <= UInt8(ascii: "9") ? b - UInt8(ascii: "0") : (b | 0x20) - UInt8(ascii: "a") + 10 }
        var k = 0
        while k < 36 {
            if isHyphen(k) { k += 1; continue }
            out.append(nibble(u[k]) << 4 | nibble(u[k + 1]))
            k += 2
        }
    }

    private static func formatUUID(_ b: UnsafeBufferPointer<UInt8>.SubSequence, uppercase: Bool) -> String {
        let digits = Array((uppercase ? "0123456789ABCDEF" : "0123456789abcdef").utf8)
        var out: [UInt8] = []
        out.reserveCapacity(36)
        for (k, byte) in b.enumerated() {
            if k == 4 || k == 6 || k == 8 || k == 10 { out.append(UInt8(ascii: "-")) }
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
