import Foundation
import Synchronization
import XaasCrypto

/// Delivers ``AlertEvent``s to webhooks on a background thread, so a sync never waits for one: each POST
/// carries `X-Xaas-Event`, `X-Xaas-Timestamp` and `X-Xaas-Signature: sha256=<hex>` (HMAC-SHA256 of
/// `<timestamp>.<body>` under the webhook's secret), is retried with backoff (1, 2, 4, 8 s) on a
/// transport error or a non-2xx answer, and never follows a redirect (``URLSessionTransport``).
///
/// Threading: the queue is guarded by a `Mutex`; one detached task at a time sends, one delivery at a
/// time (started by ``send(_:to:)`` when idle, ending when the queue is empty).
public final class AlertSender: Sendable {
    struct Delivery: Sendable {
        var event: AlertEvent
        var webhook: AlertsConfig
    }

    private struct State {
        var queue: [Delivery] = []
        var busy = false
    }

    private let state = Mutex(State())
    private let transport: any HTTPTransport
    private let log: @Sendable (String) -> Void
    static let backoff: [Double] = [1, 2, 4, 8]

    public init(transport: any HTTPTransport = URLSessionTransport(timeoutSeconds: 10),
                log: @escaping @Sendable (String) -> Void) {
        self.transport = transport
        self.log = log
    }

    /// Queues `event` for every webhook in `webhooks`; returns at once.
    public func send(_ event: AlertEvent, to webhooks: [AlertsConfig]) {
        let start = state.withLock { s -> Bool in
            s.queue += webhooks.map { Delivery(event: event, webhook: $0) }
            guard !s.busy, !s.queue.isEmpty else { return false }
            s.busy = true
            return true
        }
        if start { Task.detached { await self.work() } }
    }

    /// Delivers queued alerts one at a time until the queue is empty.
    private func work() async {
        while let next = state.withLock({ s -> Delivery? in
            guard !s.queue.isEmpty else { s.busy = false; return nil }
            return s.queue.removeFirst()
        }) {
            await deliver(next)
        }
    }

    /// Waits up to `seconds` for the queue to empty (before the process exits).
    public func drain(seconds: Double) async {
        let deadline = Date().addingTimeInterval(seconds)
        while state.withLock({ $0.busy }) && Date() < deadline { try? await Task.sleep(for: .milliseconds(50)) }
    }

    /// The signature header value for `body` sent at `timestamp` under `secret`.
    public static func signature(secret: String, timestamp: String, body: [UInt8]) -> String {
        "sha256=" + SHA256.hexString(SHA256.hmac(key: Array(secret.utf8), Array((timestamp + ".").utf8) + body))
    }

    private func deliver(_ d: Delivery) async {
        let secret: String
        do {
            secret = try d.webhook.secret.resolve()
        } catch {
            log("alert \(d.event.kind.rawValue) for \(d.event.tenant)/\(d.event.source) not sent: the webhook secret (\(d.webhook.secret)): \(error.message)")
            return
        }
        let body = Array(d.event.json.serialized.utf8)
        for (attempt, delay) in ([0] + Self.backoff).enumerated() {
            if delay > 0 { try? await Task.sleep(for: .seconds(delay)) }
            let timestamp = String(Int(Date().timeIntervalSince1970))
            let request = TransportRequest(
                method: "POST", url: d.webhook.url,
                headers: [("Content-Type", "application/json"), ("X-Xaas-Event", d.event.kind.rawValue),
                          ("X-Xaas-Timestamp", timestamp),
                          ("X-Xaas-Signature", Self.signature(secret: secret, timestamp: timestamp, body: body))],
                body: body)
            let outcome: Result<TransportResponse, any Error>
            do { outcome = .success(try await transport.send(request)) } catch { outcome = .failure(error) }
            switch outcome {
            case .success(let response) where (200..<300).contains(response.status):
                return
            case .success(let response):
                log("alert webhook answered \(response.status) (attempt \(attempt + 1))")
            case .failure(let error):
                log("alert webhook unreachable (attempt \(attempt + 1)): \(error)")
            }
        }
        log("alert \(d.event.kind.rawValue) for \(d.event.tenant)/\(d.event.source) dropped after \(Self.backoff.count + 1) attempts")
    }
}
