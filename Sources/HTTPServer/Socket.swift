#if canImport(Glibc)
import Glibc
private let sockStream = Int32(SOCK_STREAM.rawValue)
private let sockCloexec = Int32(SOCK_CLOEXEC.rawValue)
private let sendFlags = Int32(MSG_NOSIGNAL)  // a peer that went away must not raise SIGPIPE
private func systemListen(_ fd: Int32, _ backlog: Int32) -> Int32 { Glibc.listen(fd, backlog) }
private func systemAccept(_ fd: Int32, _ address: UnsafeMutablePointer<sockaddr>,
                          _ length: UnsafeMutablePointer<socklen_t>) -> Int32 { Glibc.accept(fd, address, length) }
#elseif canImport(Darwin)
import Darwin
private let sockStream = SOCK_STREAM
private let sockCloexec: Int32 = 0
private let sendFlags: Int32 = 0  // SO_NOSIGPIPE is set on every socket instead
private func systemListen(_ fd: Int32, _ backlog: Int32) -> Int32 { Darwin.listen(fd, backlog) }
private func systemAccept(_ fd: Int32, _ address: UnsafeMutablePointer<sockaddr>,
                          _ length: UnsafeMutablePointer<socklen_t>) -> Int32 { Darwin.accept(fd, address, length) }
#endif

/// Thin, EINTR-safe wrappers over the POSIX socket calls the server uses. All functions are free of shared
/// state and may be called from any thread; each file descriptor is owned by exactly one caller.
enum Socket {
    /// The outcome of waiting for a descriptor to become readable.
    enum Wait { case readable, timedOut, woken }

    /// Seconds on the monotonic clock (for deadlines).
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// The socket address of an IPv4 or IPv6 literal and a port, or `nil` when `literal` is neither.
    static func socketAddress(literal: String, port: Int) -> (sockaddr_storage, socklen_t, Int32)? {
        var storage = sockaddr_storage()
        var v4 = in_addr(), v6 = in6_addr()
        if inet_pton(AF_INET, literal, &v4) == 1 {
            withUnsafeMutableBytes(of: &storage) { raw in
                let sin = raw.baseAddress!.assumingMemoryBound(to: sockaddr_in.self)
                sin.pointee.sin_family = sa_family_t(AF_INET)
                sin.pointee.sin_port = in_port_t(UInt16(port).bigEndian)
                sin.pointee.sin_addr = v4
            }
            return (storage, socklen_t(MemoryLayout<sockaddr_in>.size), AF_INET)
        }
        if inet_pton(AF_INET6, literal, &v6) == 1 {
            withUnsafeMutableBytes(of: &storage) { raw in
                let sin6 = raw.baseAddress!.assumingMemoryBound(to: sockaddr_in6.self)
                sin6.pointee.sin6_family = sa_family_t(AF_INET6)
                sin6.pointee.sin6_port = in_port_t(UInt16(port).bigEndian)
                sin6.pointee.sin6_addr = v6
            }
            return (storage, socklen_t(MemoryLayout<sockaddr_in6>.size), AF_INET6)
        }
        return nil
    }

    /// Creates, binds and listens on `host:port`; returns the descriptor and the bound port.
    static func listen(host: String, port: Int, backlog: Int32) throws(HTTPServerError) -> (fd: Int32, port: Int) {
        guard (0...65535).contains(port) else { throw .invalidPort(port) }
        var literal = host
        if literal.hasPrefix("["), literal.hasSuffix("]") { literal = String(literal.dropFirst().dropLast()) }
        if literal == "localhost" { literal = "127.0.0.1" }
        guard let resolved = socketAddress(literal: literal, port: port) else { throw .invalidHost(host) }
        var storage = resolved.0
        let length = resolved.1
        let family = resolved.2
        let address = family == AF_INET6 ? "[\(literal)]:\(port)" : "\(literal):\(port)"
        let fd = socket(family, sockStream | sockCloexec, 0)
        guard fd >= 0 else { throw .system(operation: "socket", address: address, code: errno) }
        func fail(_ operation: String) -> HTTPServerError {
            let code = errno
            close(fd)
            return .system(operation: operation, address: address, code: code)
        }
        setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1)
        configureNoSigPipe(fd)
        // "::" listens dual-stack (IPv4-mapped too); "::1" and other v6 literals stay v6-only as given.
        if family == AF_INET6 { setOption(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, literal == "::" ? 0 : 1) }
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw fail("bind") }
        guard systemListen(fd, backlog) == 0 else { throw fail("listen") }
        // Non-blocking so an accept() after poll() never blocks when the peer already gave up.
        guard fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == 0 else { throw fail("fcntl") }
        var actual = sockaddr_storage()
        var actualLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &actualLength) }
        }
        guard named == 0 else { throw fail("getsockname") }
        return (fd, describe(actual).port)
    }

    /// The outcome of one `accept`.
    enum Accepted {
        case connection(fd: Int32, remote: String)
        /// Nothing accepted; the errno (EAGAIN when nothing is pending).
        case failed(Int32)
    }

    /// Accepts one pending connection.
    static func accept(_ listener: Int32) -> Accepted {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        while true {
            let fd = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { systemAccept(listener, $0, &length) }
            }
            if fd >= 0 {
                // accept4 is not exported to Swift: set close-on-exec right away (a tiny window remains).
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                configureNoSigPipe(fd)
                return .connection(fd: fd, remote: describe(storage).text)
            }
            let code = errno
            if code == EINTR { continue }
            return .failed(code)
        }
    }

    /// `"127.0.0.1:8080"` / `"[::1]:8080"` and the port of a socket address.
    static func describe(_ storage: sockaddr_storage) -> (text: String, port: Int) {
        var copy = storage
        return withUnsafeBytes(of: &copy) { raw -> (String, Int) in
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
            if Int32(storage.ss_family) == AF_INET6 {
                let sin6 = raw.baseAddress!.assumingMemoryBound(to: sockaddr_in6.self)
                var addr = sin6.pointee.sin6_addr
                inet_ntop(AF_INET6, &addr, &text, socklen_t(text.count))
                let port = Int(UInt16(bigEndian: sin6.pointee.sin6_port))
                return ("[\(cString(text))]:\(port)", port)
            }
            let sin = raw.baseAddress!.assumingMemoryBound(to: sockaddr_in.self)
            var addr = sin.pointee.sin_addr
            inet_ntop(AF_INET, &addr, &text, socklen_t(text.count))
            let port = Int(UInt16(bigEndian: sin.pointee.sin_port))
            return ("\(cString(text)):\(port)", port)
        }
    }

    private static func cString(_ text: [CChar]) -> String {
        String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32) {
        var v = value
        _ = setsockopt(fd, level, name, &v, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Options for an accepted connection: no Nagle delay, and a bound on how long one send may stall.
    static func configureConnection(_ fd: Int32, sendTimeout: Double) {
        setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
        let seconds = max(sendTimeout, 0.001)
        var tv = timeval(tv_sec: .init(seconds), tv_usec: .init((seconds - Double(Int(seconds))) * 1e6))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    static func configureNoSigPipe(_ fd: Int32) {
        #if canImport(Darwin)
        setOption(fd, SOL_SOCKET, SO_NOSIGPIPE, 1)
        #endif
    }

    /// Waits until `fd` is readable (or hung up), `wake` is readable, or `deadline` (monotonic) passes.
    /// `deadline == nil` waits forever.
    static func waitReadable(_ fd: Int32, wake: Int32?, deadline: Double?) -> Wait {
        var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0)]
        if let wake { fds.append(pollfd(fd: wake, events: Int16(POLLIN), revents: 0)) }
        while true {
            var timeout: Int32 = -1
            if let deadline {
                let left = deadline - now()
                if left <= 0 { return .timedOut }
                timeout = Int32(min((left * 1000).rounded(.up), Double(Int32.max)))
            }
            let n = poll(&fds, nfds_t(fds.count), timeout)
            if n < 0 {
                if errno == EINTR { continue }
                return .readable  // let the following recv report the error
            }
            if n == 0 { continue }  // re-check the deadline (poll may wake a hair early)
            if fds.count > 1, fds[1].revents != 0 { return .woken }
            if fds[0].revents != 0 { return .readable }
        }
    }

    /// One `recv` into `buffer`; returns the byte count, 0 at end of stream, or -1 on error (EINTR retried).
    static func receive(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, nonBlocking: Bool = false) -> Int {
        while true {
            let n = recv(fd, buffer.baseAddress, buffer.count, nonBlocking ? Int32(MSG_DONTWAIT) : 0)
            if n < 0, errno == EINTR { continue }
            return n
        }
    }

    /// Sends every byte (looping over partial writes and EINTR). False when the peer went away or a send
    /// stalled past the socket's send timeout.
    static func sendAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, nonBlocking: Bool = false) -> Bool {
        var offset = 0
        let flags = sendFlags | (nonBlocking ? Int32(MSG_DONTWAIT) : 0)
        while offset < bytes.count {
            let n = send(fd, bytes.baseAddress! + offset, bytes.count - offset, flags)
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += n
        }
        return true
    }

    static func sendAll(_ fd: Int32, _ bytes: [UInt8], nonBlocking: Bool = false) -> Bool {
        bytes.withUnsafeBytes { sendAll(fd, $0, nonBlocking: nonBlocking) }
    }

    /// Closes a connection gracefully: stops sending, then reads and discards what the peer still sends
    /// (until it closes or `seconds` pass) so that the kernel does not reset the connection and destroy the
    /// response we just wrote before the peer read it.
    static func lingeringClose(_ fd: Int32, seconds: Double) {
        _ = shutdown(fd, Int32(SHUT_WR))
        let deadline = now() + seconds
        var scratch = [UInt8](repeating: 0, count: 16 * 1024)
        var discarded = 0
        while discarded < 1 << 20, waitReadable(fd, wake: nil, deadline: deadline) == .readable {
            let n = scratch.withUnsafeMutableBytes { receive(fd, into: $0) }
            if n <= 0 { break }
            discarded += n
        }
        close(fd)
    }

    /// Closes without waiting: discards what is already queued (to avoid a reset where possible), then closes.
    static func quickClose(_ fd: Int32) {
        _ = shutdown(fd, Int32(SHUT_WR))
        var scratch = [UInt8](repeating: 0, count: 4096)
        while scratch.withUnsafeMutableBytes({ receive(fd, into: $0, nonBlocking: true) }) > 0 {}
        close(fd)
    }
}
