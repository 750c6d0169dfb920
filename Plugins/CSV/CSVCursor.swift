import Glibc
import PluginAPI
import PluginKit

/// What identifies one version of a file: device, inode, size and modification time.
struct FileIdentity: Equatable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var mtimeSeconds: Int64
    var mtimeNanoseconds: Int64

    init(device: UInt64, inode: UInt64, size: Int64, mtimeSeconds: Int64, mtimeNanoseconds: Int64) {
        self.device = device
        self.inode = inode
        self.size = size
        self.mtimeSeconds = mtimeSeconds
        self.mtimeNanoseconds = mtimeNanoseconds
    }

    init(_ s: stat) {
        self.init(device: UInt64(s.st_dev), inode: UInt64(s.st_ino), size: Int64(s.st_size),
                  mtimeSeconds: Int64(s.st_mtim.tv_sec), mtimeNanoseconds: Int64(s.st_mtim.tv_nsec))
    }

    /// The identity of the open file `fd`.
    static func of(fd: Int32, displayName: String) throws -> FileIdentity {
        var s = stat()
        guard fstat(fd, &s) == 0 else {
            throw ConnectorError.transient("\(displayName): fstat failed: \(String(cString: strerror(errno)))")
        }
        return FileIdentity(s)
    }

    /// What differs between `self` (the file when the read started) and `now`, for a message.
    func difference(to now: FileIdentity) -> String {
        if device != now.device || inode != now.inode { return "it was replaced by another file" }
        if size != now.size { return "its size went from \(size) to \(now.size) bytes" }
        return "its modification time changed"
    }
}

/// The opaque `next_cursor` of a CSV read: where the next row starts and which file version it is in.
///
/// Text form (printable ASCII): `csv1:<offset>:<line>:<dev>:<ino>:<size>:<mtime s>:<mtime ns>`.
struct CSVCursor: Equatable {
    /// Byte offset of the next row.
    var offset: UInt64
    /// 1-based physical line of the next row.
    var line: Int
    /// The file the read started on.
    var identity: FileIdentity

    var text: String {
        "csv1:\(offset):\(line):\(identity.device):\(identity.inode):\(identity.size):"
            + "\(identity.mtimeSeconds):\(identity.mtimeNanoseconds)"
    }

    init(offset: UInt64, line: Int, identity: FileIdentity) {
        self.offset = offset
        self.line = line
        self.identity = identity
    }

    /// Parses a cursor this connector produced; anything else is the host's mistake.
    init(text: String) throws {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 8, parts[0] == "csv1",
              let offset = UInt64(parts[1]), let line = Int(parts[2]), line >= 1,
              let device = UInt64(parts[3]), let inode = UInt64(parts[4]), let size = Int64(parts[5]),
              let seconds = Int64(parts[6]), let nanoseconds = Int64(parts[7]), offset <= UInt64(max(0, size))
        else {
            throw ConnectorError(status: XAAS_INVALID_ARGUMENT, "not a CSV connector cursor: \(text.prefix(80))")
        }
        self.init(offset: offset, line: line, identity: FileIdentity(
            device: device, inode: inode, size: size, mtimeSeconds: seconds, mtimeNanoseconds: nanoseconds))
    }
}
