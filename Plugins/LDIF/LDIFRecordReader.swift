import Glibc
import XaasText

/// Groups logical lines into ``LDIFRecord``s (RFC 2849), one record in memory at a time.
///
/// Accepts an optional `version: 1` first line (alone or directly followed by a record), content and
/// change records, `control:` lines, `::` base64 values, zero-length values, and skips the
/// `search:`/`result:` trailer record `ldapsearch` writes. `:<` URL values are refused unless
/// `urlDirectory` is set, and then only `file://` URLs whose real path lies below it are read.
/// Not thread-safe: owned by one connector instance, used by one read at a time.
final class LDIFRecordReader {
    private var lines: LDIFLineReader
    private let urlDirectory: String?
    private var atStart: Bool
    /// The largest file a `:<` URL may name (16 MiB).
    static let maxURLBytes = 16 << 20

    var displayName: String { lines.displayName }

    /// Opens `path` at `offset`/`line` (a record boundary from ``position``).
    init(path: String, offset: UInt64 = 0, line: Int = 1, urlDirectory: String?) throws(LDIFError) {
        lines = try LDIFLineReader(path: path, offset: offset, line: line)
        self.urlDirectory = urlDirectory
        atStart = offset == 0
    }

    /// Where the next record starts (byte offset and physical line), for cursors.
    var position: (offset: UInt64, line: Int) { (lines.offset, lines.physicalLine + 1) }

    /// The next record, or `nil` at the end of the file.
    func next() throws(LDIFError) -> LDIFRecord? {
        while true {
            guard var (line, offset) = try nextContentLine() else { return nil }
            var parsed = try split(line)
            if atStart {
                atStart = false
                if parsed.description.lowercasedType == "version" {
                    let v = try decode(parsed, line: line, dn: nil)
                    guard v == Array("1".utf8) else {
                        throw LDIFError(.sourceData, "\(displayName) line \(line): unsupported LDIF version (only `version: 1` exists)")
                    }
                    guard case .content(let l, let o)? = try lines.next() else { continue }
                    (line, offset) = (l, o)
                    parsed = try split(line)
                }
            }
            switch parsed.description.lowercasedType {
            case "dn":
                guard parsed.kind != .url else {
                    throw LDIFError(.sourceData, "\(displayName) line \(line): a DN cannot be a `:<` URL")
                }
                let bytes = try decode(parsed, line: line, dn: nil)
                guard let dn = String(validating: bytes, as: UTF8.self) else {
                    throw LDIFError(.sourceData, "\(displayName) line \(line): the DN is not valid UTF-8")
                }
                return try readBody(LDIFRecord(dn: dn, line: line, offset: offset))
            case "search", "result":
                try skipRecord()  // the ldapsearch trailer: `search: N` / `result: 0 Success`
            default:
                throw LDIFError(.sourceData, "\(displayName) line \(line): a record must start with `dn:`, found `\(parsed.description.type):`")
            }
        }
    }

    // MARK: - Records

    private func readBody(_ start: LDIFRecord) throws(LDIFError) -> LDIFRecord {
        var record = start
        var header = true  // still where `control:` and `changetype:` may appear
        var block: LDIFModification?
        while case .content(let line, _)? = try lines.next() {
            if record.change == .modify, lines.bytes == [UInt8(ascii: "-")] {
                if let b = block { record.modifications.append(b) }
                block = nil
                continue
            }
            let parsed = try split(line, dn: record.dn)
            let type = parsed.description.lowercasedType
            if header, type == "control" { continue }
            if header, type == "changetype" {
                let text = String(decoding: try decode(parsed, line: line, dn: record.dn), as: UTF8.self)
                guard let change = LDIFChangeType(rawValue: text.lowercased()) else {
                    throw LDIFError(.sourceData, "\(record.location(displayName, line: line)): unknown changetype `\(text)` (expected add, delete, modify, modrdn or moddn)")
                }
                record.change = change
                header = false
                continue
            }
            header = false
            switch record.change {
            case nil, .add?:
                let value = try decode(parsed, line: line, dn: record.dn)
                record.values.append(LDIFValue(description: parsed.description, value: value, line: line))
            case .delete?:
                throw LDIFError(.sourceData, "\(record.location(displayName, line: line)): a `changetype: delete` record has no attribute lines")
            case .modrdn?, .moddn?:
                continue  // newrdn / deleteoldrdn / newsuperior: the record is reported as unsupported
            case .modify?:
                let operations: Set<String> = ["add", "delete", "replace", "increment"]
                if let open = block, parsed.description.key == open.description.key {
                    block!.values.append(try decode(parsed, line: line, dn: record.dn))
                } else if operations.contains(type) {
                    if let open = block { record.modifications.append(open) }  // tolerate a missing `-`
                    let target = try decode(parsed, line: line, dn: record.dn)
                    guard let description = AttributeDescription(target[...]) else {
                        throw LDIFError(.sourceData, "\(record.location(displayName, line: line)): `\(type):` names no valid attribute")
                    }
                    block = LDIFModification(operation: type, description: description, values: [], line: line)
                } else {
                    throw LDIFError(.sourceData, "\(record.location(displayName, line: line)): attribute `\(parsed.description.type)` is outside an add:/delete:/replace:/increment: block of a modify record")
                }
            }
        }
        if let b = block { record.modifications.append(b) }
        return record
    }

    private func skipRecord() throws(LDIFError) {
        while case .content? = try lines.next() {}
    }

    private func nextContentLine() throws(LDIFError) -> (Int, UInt64)? {
        while let l = try lines.next() {
            if case .content(let line, let offset) = l { return (line, offset) }
        }
        return nil
    }

    // MARK: - Lines

    enum ValueKind { case plain, base64, url }

    struct SplitLine {
        var description: AttributeDescription
        var kind: ValueKind
        var value: ArraySlice<UInt8>
    }

    /// Splits the current logical line into description, value kind and raw value text.
    private func split(_ line: Int, dn: String? = nil) throws(LDIFError) -> SplitLine {
        let b = lines.bytes
        guard let colon = b.firstIndex(of: UInt8(ascii: ":")) else {
            throw LDIFError(.sourceData, "\(here(line, dn)): expected `attribute: value`, found a line without a colon")
        }
        guard let description = describe(b[..<colon]) else {
            let shown = String(decoding: b[..<colon].prefix(64), as: UTF8.self)
            throw LDIFError(.sourceData, "\(here(line, dn)): `\(shown)` is not a valid attribute description")
        }
        var i = colon + 1
        var kind = ValueKind.plain
        if i < b.count, b[i] == UInt8(ascii: ":") { kind = .base64; i += 1 }
        else if i < b.count, b[i] == UInt8(ascii: "<") { kind = .url; i += 1 }
        while i < b.count, b[i] == UInt8(ascii: " ") { i += 1 }
        return SplitLine(description: description, kind: kind, value: b[i...])
    }

    /// The value bytes of a split line (base64 decoded, URL read when allowed).
    /// "`file` line N (dn: …)" for messages.
    private func here(_ line: Int, _ dn: String?) -> String {
        dn.map { "\(displayName) line \(line) (dn: \($0))" } ?? "\(displayName) line \(line)"
    }

    /// Parsed attribute descriptions by their raw bytes (files repeat a few dozen names).
    private var descriptions: [UInt64: (raw: [UInt8], description: AttributeDescription)] = [:]

    private func describe(_ raw: ArraySlice<UInt8>) -> AttributeDescription? {
        var h: UInt64 = 0xcbf29ce484222325
        for c in raw { h = (h ^ UInt64(c)) &* 0x100000001b3 }
        if let hit = descriptions[h], hit.raw.elementsEqual(raw) { return hit.description }
        guard let parsed = AttributeDescription(raw) else { return nil }
        if descriptions.count >= 4096 { descriptions.removeAll(keepingCapacity: true) }
        descriptions[h] = (Array(raw), parsed)
        return parsed
    }

    private func decode(_ s: SplitLine, line: Int, dn: String?) throws(LDIFError) -> [UInt8] {
        switch s.kind {
        case .plain:
            return Array(s.value)
        case .base64:
            guard let bytes = Base64.decode(s.value) else {
                throw LDIFError(.sourceData, "\(here(line, dn)): attribute `\(s.description.type)`: invalid base64 after `::`")
            }
            return bytes
        case .url:
            return try readURL(String(decoding: s.value, as: UTF8.self), here: here(line, dn), attribute: s.description.type)
        }
    }

    private func readURL(_ url: String, here: String, attribute: String) throws(LDIFError) -> [UInt8] {
        guard let directory = urlDirectory else {
            throw LDIFError(.sourceData, "\(here): attribute `\(attribute)`: `:<` URL values are refused (set settings.urlDirectory to allow file:// URLs below a directory)")
        }
        guard url.hasPrefix("file://") else {
            throw LDIFError(.sourceData, "\(here): attribute `\(attribute)`: only file:// URLs are supported")
        }
        var path = String(url.dropFirst("file://".count))
        if path.hasPrefix("localhost/") { path.removeFirst("localhost".count) }
        guard path.hasPrefix("/"), let decoded = PercentEncoding.decodeStrictly(path) else {
            throw LDIFError(.sourceData, "\(here): attribute `\(attribute)`: malformed file URL")
        }
        guard let real = Self.realPath(decoded), let root = Self.realPath(directory),
              real.hasPrefix(root.hasSuffix("/") ? root : root + "/") else {
            throw LDIFError(.sourceData, "\(here): attribute `\(attribute)`: URL names a file outside settings.urlDirectory (or one that does not exist)")
        }
        let fd = open(real, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw LDIFError(.sourceData, "\(here): attribute `\(attribute)`: cannot open the URL's file") }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if n < 0 { if errno == EINTR { continue }; throw LDIFError(.io, "\(here): cannot read the URL's file") }
            if n == 0 { break }
            out.append(contentsOf: chunk[..<n])
            if out.count > Self.maxURLBytes {
                throw LDIFError(.sourceData, "\(here): attribute `\(attribute)`: the URL's file exceeds \(Self.maxURLBytes) bytes")
            }
        }
        return out
    }

    private static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }
}
