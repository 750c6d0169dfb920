import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The state of one running server, shared by its accept thread and every connection thread (each holds a
/// strong reference, so descriptors stay valid until the last thread is gone).
///
/// Threading: immutable after init except `stopping`/`acceptExited`/`listenerClosed` (atomics) and the live
/// connection count (a `Mutex`). The wake pipe is written once by ``beginStop()`` and never drained, so it
/// stays readable and wakes every current and future idle wait.
final class ServerCore: Sendable {
    let configuration: HTTPServerConfiguration
    let handler: any HTTPHandler
    let listener: Int32
    let wakeRead: Int32
    private let wakeWrite: Int32
    private let stopping = Atomic<Bool>(false)
    private let listenerClosed = Atomic<Bool>(false)
    let acceptExited = Atomic<Bool>(false)
    /// How many connection threads are alive.
    let connections = Mutex<Int>(0)
    /// CPU time (nanoseconds) connection threads spent reading, handling and answering requests.
    let requestCPUNanoseconds = Atomic<UInt64>(0)

    init(configuration: HTTPServerConfiguration, handler: any HTTPHandler, listener: Int32,
         wake: (read: Int32, write: Int32)) {
        self.configuration = configuration
        self.handler = handler
        self.listener = listener
        self.wakeRead = wake.read
        self.wakeWrite = wake.write
    }

    deinit {
        closeListener()
        close(wakeRead)
        close(wakeWrite)
    }

    var isStopping: Bool { stopping.load(ordering: .acquiring) }

    /// Flags the server as stopping and wakes the accept loop and every idle connection.
    func beginStop() {
        stopping.store(true, ordering: .releasing)
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    /// Closes the listening socket once (the port is free afterwards).
    func closeListener() {
        if !listenerClosed.exchange(true, ordering: .acquiringAndReleasing) { close(listener) }
    }

    /// Accepts connections until ``beginStop()``; runs on the server's accept thread.
    func acceptLoop() {
        defer { acceptExited.store(true, ordering: .releasing) }
        while !isStopping {
            guard Socket.waitReadable(listener, wake: wakeRead, deadline: nil) == .readable else { return }
            while !isStopping {
                switch Socket.accept(listener) {
                case .connection(let fd, let remote):
                    admit(fd, remote: remote)
                    continue
                case .failed(let code):
                    // Out of descriptors or memory: back off instead of spinning on a readable listener.
                    if code == EMFILE || code == ENFILE || code == ENOBUFS || code == ENOMEM { usleep(50_000) }
                }
                break  // EAGAIN (nothing pending), ECONNABORTED, …: wait again
            }
        }
    }

    /// Answers 503 without blocking the accept loop, then closes.
    private func refuse(_ fd: Int32) {
        let body = "too many connections\n"
        let text = "HTTP/1.1 503 Service Unavailable\r\nDate: \(ResponseSerializer.httpDate())\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\nContent-Length: \(body.utf8.count)\r\n"
            + "Retry-After: 1\r\nConnection: close\r\n\r\n\(body)"
        _ = Socket.sendAll(fd, Array(text.utf8), nonBlocking: true)
        Socket.quickClose(fd)
    }

    /// Starts a connection thread, or answers 503 when `maxConnections` are already being served.
    private func admit(_ fd: Int32, remote: String) {
        let admitted = connections.withLock { count -> Bool in
            guard count < configuration.maxConnections else { return false }
            count += 1
            return true
        }
        guard admitted else { return refuse(fd) }
        let started = DetachedThread.start { [self] in
            var connection = HTTPConnection(fd: fd, remoteAddress: remote, core: self)
            connection.run()
            connections.withLock { $0 -= 1 }
        }
        if !started {
            connections.withLock { $0 -= 1 }
            refuse(fd)
        }
    }
}
