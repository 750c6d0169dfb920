import Foundation
import Glibc
import Synchronization

/// The live progress block of `xaas sync` on a terminal: one line per running source
/// (``SyncProgress/line(now:)``), redrawn in place at most 4 times a second, cut to the terminal's width.
/// Other stderr output (log lines, finished sources' summaries) is printed above the block through
/// ``StandardError/print(_:)``, which asks the active display to make room.
///
/// Threading: all state is guarded by one `Mutex`; a dedicated thread redraws every 250 ms while
/// something changed or an ETA is counting down. ``stop()`` erases the block and ends the thread.
public final class ProgressDisplay: Sendable {
    /// `--progress=auto|always|never`.
    public enum Mode: String, Sendable {
        case auto, always, never
    }

    private struct State {
        var lines: [String: SyncProgress] = [:]
        var order: [String] = []
        var drawn = 0
        var shown: [String] = []
        var stopped = false
    }

    /// The display `StandardError.print` routes through, when one is running.
    static let active = Mutex<ProgressDisplay?>(nil)
    private let state = Mutex(State())
    private let fd: Int32

    /// Whether a display should run: never with JSON output or JSON logs; with `auto`, only when
    /// `fd` is a terminal.
    public static func wanted(_ mode: Mode, json: Bool, jsonLogs: Bool, fd: Int32 = STDERR_FILENO) -> Bool {
        guard !json, !jsonLogs else { return false }
        switch mode {
        case .never: return false
        case .always: return true
        case .auto: return isatty(fd) != 0
        }
    }

    /// Starts a display on `fd` and makes it the active one.
    public init(fd: Int32 = STDERR_FILENO) {
        self.fd = fd
        Self.active.withLock { $0 = self }
        let thread = Thread { [self] in
            while !state.withLock({ $0.stopped }) {
                Thread.sleep(forTimeInterval: 0.25)
                redraw()
            }
        }
        thread.start()
    }

    /// Shows (or replaces) the line of `progress`'s source; drawn at the next tick.
    public func update(_ progress: SyncProgress) {
        let key = "\(progress.tenant)/\(progress.source)"
        state.withLock { s in
            if s.lines[key] == nil { s.order.append(key) }
            s.lines[key] = progress
        }
    }

    /// Removes the line of `tenant/source` (its run finished) at once.
    public func remove(tenant: String, source: String) {
        let key = "\(tenant)/\(source)"
        state.withLock { s in
            s.lines[key] = nil
            s.order.removeAll { $0 == key }
            write(erase(&s) + draw(&s))
        }
    }

    /// Prints `text` (one or more whole lines) above the block.
    func printAbove(_ text: String) {
        state.withLock { s in write(erase(&s) + text + (s.stopped ? "" : draw(&s))) }
    }

    /// Erases the block and stops redrawing; stderr is plain again.
    public func stop() {
        Self.active.withLock { if $0 === self { $0 = nil } }
        state.withLock { s in
            s.stopped = true
            write(erase(&s))
        }
    }

    private func redraw() {
        state.withLock { s in
            guard !s.stopped else { return }
            let now = Date().timeIntervalSince1970
            let lines = s.order.compactMap { s.lines[$0]?.line(now: now) }
            guard lines != s.shown else { return }
            write(erase(&s) + draw(&s))
        }
    }

    /// Moves to the block's first line and clears to the end of the screen.
    private func erase(_ s: inout State) -> String {
        defer { s.drawn = 0; s.shown = [] }
        return s.drawn > 0 ? "\u{1B}[\(s.drawn)F\u{1B}[J" : ""
    }

    private func draw(_ s: inout State) -> String {
        let now = Date().timeIntervalSince1970
        let width = Self.columns(fd)
        s.shown = s.order.compactMap { s.lines[$0]?.line(now: now) }
        s.drawn = s.shown.count
        return s.shown.map { line in
            (width > 1 && line.count >= width ? String(line.prefix(width - 1)) : line) + "\n"
        }.joined()
    }

    private func write(_ text: String) {
        guard !text.isEmpty else { return }
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBufferPointer { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            offset += n
        }
    }

    /// The terminal's width (0 when unknown).
    private static func columns(_ fd: Int32) -> Int {
        var size = winsize()
        return ioctl(fd, UInt(TIOCGWINSZ), &size) == 0 ? Int(size.ws_col) : 0
    }
}
