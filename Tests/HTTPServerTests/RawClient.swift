#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@testable import HTTPServer

/// A blocking raw-socket client for edge cases URLSession cannot produce (pipelining, garbage, half-close).
/// Every read has a receive timeout so a broken server fails the test instead of hanging it.
/// Not locked: each instance is used by one thread at a time (tests hand a client to exactly one worker).
final class RawClient: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible { var description: String }

    /// A response as read off the wire.
    struct Response {
        var status: Int
        var headers: [(name: String, value: String)]
        var body: [UInt8]
        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    let fd: Int32
    private var buffer: [UInt8] = []

    /// Connects to `host` (an IPv4 or IPv6 literal) on `port`.
    init(host: String = "127.0.0.1", port: Int, receiveTimeout: Double = 10) throws {
        guard let resolved = Socket.socketAddress(literal: host, port: port) else {
            throw Failure(description: "not an IP literal: \(host)")
        }
        var storage = resolved.0
        let length = resolved.1
        let family = resolved.2
        #if canImport(Glibc)
        fd = socket(family, Int32(SOCK_STREAM.rawValue), 0)
        #else
        fd = socket(family, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        let seconds = receiveTimeout
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1e6))
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, length) }
        }
        guard connected == 0 else {
            // No close here: the initializer has set every property, so deinit runs and closes `fd`.
            // Closing it twice could close another test's socket that reused the number.
            throw Failure(description: "connect \(host):\(port): errno \(errno)")
        }
    }

    deinit { close(fd) }

    /// Sends all of `bytes`; false when the server closed the connection.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            #if canImport(Glibc)
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            #else
            let n = bytes.withUnsafeBytes { Darwin.send(fd, $0.baseAddress! + offset, $0.count - offset, 0) }
            #endif
            if n < 0 { if errno == EINTR { continue }; return false }
            offset += n
        }
        return true
    }

    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// Closes our sending side (the server sees end of stream; we can still read).
    func shutdownWrite() { _ = shutdown(fd, Int32(SHUT_WR)) }

    /// Reads more bytes; false at end of stream, error or receive timeout.
    private func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return false }
            buffer += chunk[0..<n]
            return true
        }
    }

    /// Reads until the peer closes (or the receive timeout); returns everything not yet consumed.
    func readToEnd() -> [UInt8] {
        while fill() {}
        defer { buffer.removeAll() }
        return buffer
    }

    /// True when the server closed the connection (end of stream with nothing pending).
    func isClosedByPeer() -> Bool { buffer.isEmpty && !fill() }

    /// Reads one response; `headRequest` means no body follows whatever Content-Length says.
    func readResponse(headRequest: Bool = false) throws -> Response {
        let marker: [UInt8] = [13, 10, 13, 10]
        var end: Int? = nil
        while end == nil {
            if buffer.count >= 4 {
                end = (0...(buffer.count - 4)).first { Array(buffer[$0..<($0 + 4)]) == marker }
            }
            if end == nil, !fill() { throw Failure(description: "connection ended before a response head") }
        }
        let headText = String(decoding: buffer[0..<end!], as: UTF8.self)
        buffer.removeFirst(end! + 4)
        var lines = headText.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, statusLine[0] == "HTTP/1.1", let status = Int(statusLine[1]) else {
            throw Failure(description: "bad status line in \(headText)")
        }
        let headers = lines.map { line -> (name: String, value: String) in
            let colon = line.firstIndex(of: ":")!
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        var response = Response(status: status, headers: headers, body: [])
        if status < 200 { return response }
        let length = headRequest || status == 204 || status == 304 ? 0 : Int(response.header("Content-Length") ?? "0")!
        while buffer.count < length {
            if !fill() { throw Failure(description: "connection ended inside a body") }
        }
        response.body = Array(buffer[0..<length])
        buffer.removeFirst(length)
        return response
    }
}

import Foundation
