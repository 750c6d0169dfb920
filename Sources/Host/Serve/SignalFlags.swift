import Dispatch
import Glibc
import Synchronization

/// Turns SIGTERM, SIGINT and SIGHUP into flags the serve loop polls. The signals' default actions are
/// replaced (`SIG_IGN` plus a dispatch source each), so they never kill the process mid-run.
///
/// Thread-safe: the flags are guarded by a `Mutex`; the dispatch sources are kept alive by the instance
/// and only touched in `init`.
final class SignalFlags: Sendable {
    private struct Flags {
        var stop: Int32?
        var reloads = 0
    }

    private final class Box: Sendable {
        let flags = Mutex(Flags())
    }

    private let box = Box()
    /// Kept alive for the life of the instance; written only in `init`, never read.
    nonisolated(unsafe) private let sources: [any DispatchSourceSignal]

    init() {
        var made: [any DispatchSourceSignal] = []
        let box = self.box
        for signalNumber in [SIGTERM, SIGINT, SIGHUP] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                box.flags.withLock { f in
                    if signalNumber == SIGHUP { f.reloads += 1 } else if f.stop == nil { f.stop = signalNumber }
                }
            }
            source.resume()
            made.append(source)
        }
        sources = made
    }

    /// The first stop signal received, if any.
    var stopSignal: Int32? { box.flags.withLock { $0.stop } }

    /// Whether a SIGHUP arrived since the last call (consumes it).
    func takeReload() -> Bool {
        box.flags.withLock { f in
            defer { f.reloads = 0 }
            return f.reloads > 0
        }
    }
}
