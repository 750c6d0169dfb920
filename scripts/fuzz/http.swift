import Glibc

// libFuzzer harness: the HTTP/1.1 request reader (head and body de-framing) over a socket pair. Any input
// must end in a request or a RequestError, never a crash or a hang.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTP(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var fds: [Int32] = [0, 0]
    guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0 else { return 0 }
    defer { close(fds[0]) }
    var configuration = HTTPServerConfiguration()
    configuration.maxHeaderBytes = 4096
    configuration.maxBodyBytes = 65536
    var sent = 0
    while sent < size {
        let n = send(fds[1], data + sent, min(size - sent, 65536), Int32(MSG_DONTWAIT))
        if n <= 0 { break }
        sent += n
    }
    close(fds[1])
    var reader = RequestReader(fd: fds[0], configuration: configuration)
    for _ in 0..<8 {
        do throws(RequestError) {
            let head = try reader.readHead(deadline: Socket.now() + 1)
            if let length = head.headers["Content-Length"].flatMap({ Int($0) }), length >= 0, length <= 65536 {
                _ = try reader.readBody(count: length)
            } else if head.headers["Transfer-Encoding"] != nil {
                _ = try reader.readChunkedBody()
            }
        } catch {
            break
        }
    }
    return 0
}
