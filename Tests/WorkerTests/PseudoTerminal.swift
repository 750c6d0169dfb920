import Foundation
import Glibc
import Synchronization

/// Runs a process with stdout and stderr on a pseudo-terminal (so `isatty` is true in the child) and
/// records what it writes, chunk by chunk, with the time each chunk arrived.
final class PseudoTerminal: @unchecked Sendable {
    struct Chunk { var time: Double; var text: String }

    /// Runs `executable` to its end; returns the exit status and the timed output.
    static func run(_ executable: URL, _ arguments: [String], columns: UInt16 = 250) throws -> (status: Int32, chunks: [Chunk]) {
        // glibc's pty functions are not in the Glibc module map (they need _XOPEN_SOURCE): look them up.
        typealias IntFn = @convention(c) (Int32) -> Int32
        typealias NameFn = @convention(c) (Int32) -> UnsafeMutablePointer<CChar>?
        guard let g = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "grantpt"),
              let u = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "unlockpt"),
              let p = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "ptsname") else { throw POSIXError(.ENOSYS) }
        let grantpt = unsafeBitCast(g, to: IntFn.self), unlockpt = unsafeBitCast(u, to: IntFn.self)
        let ptsname = unsafeBitCast(p, to: NameFn.self)
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
        guard master >= 0, grantpt(master) == 0, unlockpt(master) == 0, let name = ptsname(master) else {
            throw POSIXError(.ENOTTY)
        }
        var size = winsize(ws_row: 50, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(master, UInt(TIOCSWINSZ), &size)
        let slave = open(String(cString: name), O_RDWR | O_NOCTTY)
        guard slave >= 0 else { close(master); throw POSIXError(.ENOTTY) }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let handle = FileHandle(fileDescriptor: slave, closeOnDealloc: false)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        let chunks = Mutex<[Chunk]>([])
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let n = read(master, &buffer, buffer.count)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }   // EIO once every slave end is closed
                let text = String(decoding: buffer[0..<n], as: UTF8.self)
                chunks.withLock { $0.append(Chunk(time: Date().timeIntervalSince1970, text: text)) }
            }
            done.signal()
        }
        try process.run()
        close(slave)
        process.waitUntilExit()
        done.wait()
        close(master)
        return (process.terminationStatus, chunks.withLock { $0 })
    }
}
