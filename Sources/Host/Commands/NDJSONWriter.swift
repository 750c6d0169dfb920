import Glibc

/// Writes source records as NDJSON lines to a file descriptor through a 64 KiB buffer.
///
/// Line shape: `{"kind":"user","externalId":"…","status":"active","attributes":{"name":"value" or ["v1","v2"]}}`
/// — attributes in the order the plugin gave them, a repeated name collected into an array at the
/// position of its first occurrence.
///
/// ## Threading
/// Not thread-safe; one writer per output stream.
struct NDJSONWriter {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private static let flushThreshold = 64 * 1024

    init(fd: Int32 = STDOUT_FILENO) {
        self.fd = fd
        buffer.reserveCapacity(Self.flushThreshold + 4096)
    }

    /// A write to the output failed (e.g. a closed pipe).
    struct WriteError: Error, CustomStringConvertible {
        var code: Int32
        var description: String { "cannot write output: \(String(cString: strerror(code)))" }
    }

    mutating func write(_ record: SourceRecord) throws(WriteError) {
        append("{\"kind\":\"")
        append(record.kind.rawValue)
        append("\",\"externalId\":")
        appendString(record.externalId)
        append(",\"status\":\"")
        append(record.status.rawValue)
        append("\",\"attributes\":{")
        let attributes = record.attributes
        if attributes.count <= 32 {
            // Small records: group repeated names by scanning, without allocating.
            var first = true
            for i in attributes.indices {
                let name = attributes[i].name
                var seenBefore = false
                for j in 0 ..< i where attributes[j].name == name { seenBefore = true; break }
                if seenBefore { continue }
                var repeated = false
                for j in (i + 1) ..< attributes.count where attributes[j].name == name { repeated = true; break }
                if !first { buffer.append(UInt8(ascii: ",")) }
                first = false
                appendString(name)
                buffer.append(UInt8(ascii: ":"))
                if !repeated {
                    appendString(attributes[i].value)
                    continue
                }
                buffer.append(UInt8(ascii: "["))
                appendString(attributes[i].value)
                for j in (i + 1) ..< attributes.count where attributes[j].name == name {
                    buffer.append(UInt8(ascii: ","))
                    appendString(attributes[j].value)
                }
                buffer.append(UInt8(ascii: "]"))
            }
        } else {
            var order: [String] = []
            var values: [String: [String]] = [:]
            for attribute in attributes {
                if values[attribute.name] == nil { order.append(attribute.name) }
                values[attribute.name, default: []].append(attribute.value)
            }
            for (k, name) in order.enumerated() {
                if k > 0 { buffer.append(UInt8(ascii: ",")) }
                appendString(name)
                buffer.append(UInt8(ascii: ":"))
                let all = values[name]!
                if all.count == 1 {
                    appendString(all[0])
                    continue
                }
                buffer.append(UInt8(ascii: "["))
                for (v, value) in all.enumerated() {
                    if v > 0 { buffer.append(UInt8(ascii: ",")) }
                    appendString(value)
                }
                buffer.append(UInt8(ascii: "]"))
            }
        }
        append("}}\n")
        if buffer.count >= Self.flushThreshold { try flush() }
    }

    /// Writes everything buffered.
    mutating func flush() throws(WriteError) {
        var offset = 0
        let code: Int32? = buffer.withUnsafeBytes { raw in
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                offset += n
            }
            return nil
        }
        buffer.removeAll(keepingCapacity: true)
        if let code { throw WriteError(code: code) }
    }

    private mutating func append(_ ascii: String) {
        buffer.append(contentsOf: ascii.utf8)
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends `s` as a JSON string literal; non-ASCII UTF-8 is copied as is.
    private mutating func appendString(_ s: String) {
        buffer.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { (bytes: UnsafeBufferPointer<UInt8>) in
            var runStart = 0
            for (i, byte) in bytes.enumerated() where byte < 0x20 || byte == 0x22 || byte == 0x5C {
                if runStart < i { buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart ..< i])) }
                runStart = i + 1
                buffer.append(UInt8(ascii: "\\"))
                switch byte {
                case 0x22: buffer.append(0x22)
                case 0x5C: buffer.append(0x5C)
                case 0x0A: buffer.append(UInt8(ascii: "n"))
                case 0x0D: buffer.append(UInt8(ascii: "r"))
                case 0x09: buffer.append(UInt8(ascii: "t"))
                case 0x08: buffer.append(UInt8(ascii: "b"))
                case 0x0C: buffer.append(UInt8(ascii: "f"))
                default:
                    buffer.append(contentsOf: [UInt8(ascii: "u"), 0x30, 0x30, Self.hex[Int(byte >> 4)], Self.hex[Int(byte & 15)]])
                }
            }
            if runStart < bytes.count { buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...])) }
        }
        buffer.append(UInt8(ascii: "\""))
    }
}
