import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization

/// The redirect rule of ``BlockingHTTPClient``, as the session's task delegate:
///
/// - a request that carries credentials (``carriesCredentials(_:extraHeaders:)``) is never redirected;
/// - a redirect to another origin (scheme, host, port) than the request's is never followed;
/// - otherwise (a same-origin redirect of a request without credentials) it is followed.
///
/// A refused redirect is remembered per task, so the client reports it as
/// ``HTTPClientError/redirectRefused(_:)`` whatever URLSession hands to the completion handler.
///
/// ## Threading
/// `register`/`finish` run on the sending thread, the delegate callback on URLSession's queue; the
/// Mutex guards the per-task table.
final class RedirectGuard: NSObject, URLSessionTaskDelegate, Sendable {
    private struct Entry: Sendable {
        var origin: String?
        var credentialed: Bool
        var refused: RefusedRedirect?
    }

    private let tasks = Mutex<[Int: Entry]>([:])

    /// Starts watching `task`, sent for `request`.
    func register(_ task: URLSessionTask, request: URLRequest, credentialed: Bool) {
        let entry = Entry(origin: Self.origin(of: request.url), credentialed: credentialed)
        tasks.withLock { $0[task.taskIdentifier] = entry }
    }

    /// Stops watching `task`; returns the redirect it refused, if any.
    func finish(_ task: URLSessionTask) -> RefusedRedirect? {
        tasks.withLock { $0.removeValue(forKey: task.taskIdentifier)?.refused }
    }

    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        let target = Self.origin(of: request.url)
        let follow = tasks.withLock { table -> Bool in
            // An unknown task (not sent by the client) is refused too.
            let entry = table[task.taskIdentifier] ?? Entry(origin: nil, credentialed: true)
            let crossOrigin = target == nil || target != entry.origin
            if !crossOrigin, !entry.credentialed { return true }
            table[task.taskIdentifier]?.refused = RefusedRedirect(status: response.statusCode, locationOrigin: target,
                                                                  crossOrigin: crossOrigin)
            return false
        }
        completionHandler(follow ? request : nil)
    }

    /// `scheme://host:port` (lower-cased, default port made explicit), or `nil` for a URL without both.
    static func origin(of url: URL?) -> String? {
        guard let url, let scheme = url.scheme?.lowercased(), let host = url.host?.lowercased(), !host.isEmpty
        else { return nil }
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        return "\(scheme)://\(host):\(port)"
    }

    /// Header names (lower-case) that always carry credentials.
    static let credentialHeaders: Set<String> = [
        "authorization", "proxy-authorization", "cookie", "x-api-key", "x-amz-security-token", "x-amz-date",
        "x-amz-content-sha256",
    ]

    /// Form fields that carry credentials in an `application/x-www-form-urlencoded` body.
    static let credentialFormFields = ["client_secret", "client_assertion", "password", "refresh_token", "assertion"]

    /// Whether `request` carries credentials: one of ``credentialHeaders`` or `extraHeaders` (a
    /// connector's configured secret header names), or a form body with a credential field.
    static func carriesCredentials(_ request: URLRequest, extraHeaders: Set<String>) -> Bool {
        for name in (request.allHTTPHeaderFields ?? [:]).keys {
            let lower = name.lowercased()
            if credentialHeaders.contains(lower) || extraHeaders.contains(lower) { return true }
        }
        guard let body = request.httpBody, !body.isEmpty else { return false }
        let fields = String(decoding: body, as: UTF8.self).split(separator: "&").map {
            $0.split(separator: "=", maxSplits: 1).first.map { String($0).lowercased() } ?? ""
        }
        return fields.contains { credentialFormFields.contains($0) }
    }
}
