import Foundation
import Synchronization
@testable import Host

/// A scripted ``HTTPTransport``: answers requests in order from a script and records every request.
final class FakeTransport: HTTPTransport {
    /// One scripted answer: a response, or a thrown transport error.
    enum Step: Sendable {
        case respond(TransportResponse)
        case fail(URLError.Code)
    }

    private let state: Mutex<(script: [Step], requests: [TransportRequest])>

    init(_ script: [Step]) { state = Mutex((script, [])) }

    var requests: [TransportRequest] { state.withLock { $0.requests } }
    var remaining: Int { state.withLock { $0.script.count } }

    func send(_ request: TransportRequest) async throws -> TransportResponse {
        let step: Step? = state.withLock { s in
            s.requests.append(request)
            return s.script.isEmpty ? nil : s.script.removeFirst()
        }
        switch step {
        case .respond(let response)?: return response
        case .fail(let code)?: throw URLError(code)
        case nil: return TransportResponse(status: 599, body: Array("script exhausted: \(request.method) \(request.url)".utf8))
        }
    }
}

/// Records sleeps instead of sleeping.
final class SleepRecorder: Sendable {
    private let slept = Mutex<[Double]>([])
    var delays: [Double] { slept.withLock { $0 } }
    var sleep: @Sendable (Double) async -> Void { { [self] seconds in slept.withLock { $0.append(seconds) } } }
}

/// Counts permits and keeps every observed snapshot.
final class RecordingObserver: RateLimitObserver {
    private let state = Mutex<(permits: Int, snapshots: [RateLimitSnapshot])>((0, []))
    var permits: Int { state.withLock { $0.permits } }
    var snapshots: [RateLimitSnapshot] { state.withLock { $0.snapshots } }
    func waitForPermit() async { state.withLock { $0.permits += 1 } }
    func observe(_ snapshot: RateLimitSnapshot) { state.withLock { $0.snapshots.append(snapshot) } }
}

/// Shorthands for building scripted responses and clients.
enum Fake {
    static let token = "00aBcDeFgHiJkLmNoPqRsTuVwXyZ-secret-token"
    static let source = "0oa1abcdefGHIJKLM697"
    static let sessionId = "apsyofrdjpnHboweG1d7"

    static func json(_ status: Int, _ text: String, _ headers: [(String, String)] = []) -> FakeTransport.Step {
        .respond(TransportResponse(status: status, headers: [("Content-Type", "application/json")] + headers,
                                   body: Array(text.utf8)))
    }

    static func empty(_ status: Int, _ headers: [(String, String)] = []) -> FakeTransport.Step {
        .respond(TransportResponse(status: status, headers: headers, body: []))
    }

    static func session(_ status: String, id: String = sessionId, created: Bool = true) -> String {
        var text = #"{"id":"\#(id)","identitySourceId":"\#(source)","status":"\#(status)","importType":"INCREMENTAL""#
        if created { text += #","created":"2026-05-13T05:52:24.000Z","lastUpdated":"2026-05-13T05:52:24.000Z""# }
        return text + "}"
    }

    static func error(_ code: String, _ summary: String, causes: [String] = []) -> String {
        let list = causes.map { #"{"errorSummary":"\#($0)"}"# }.joined(separator: ",")
        return #"{"errorCode":"\#(code)","errorSummary":"\#(summary)","errorLink":"\#(code)","errorId":"oae1","errorCauses":[\#(list)]}"#
    }

    static func configuration(_ base: String = "https://example.okta.com", scheme: OktaAuthScheme = .ssws)
        -> OktaClientConfiguration {
        OktaClientConfiguration(baseURL: URL(string: base)!, token: OktaSecret(token), scheme: scheme)
    }

    /// A client over `transport` whose sleeps are recorded and whose jitter is `random`.
    static func client(_ transport: FakeTransport, configuration: OktaClientConfiguration = configuration(),
                       observer: (any RateLimitObserver)? = nil, sleeper: SleepRecorder = SleepRecorder(),
                       random: Double = 0.5) throws -> OktaClient {
        try OktaClient(configuration: configuration, observer: observer, transport: transport,
                       sleep: sleeper.sleep, random: { random })
    }
}

extension TransportRequest {
    var path: String { url.path }
    var bodyText: String? { body.map { String(decoding: $0, as: UTF8.self) } }
}
