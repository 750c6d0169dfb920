import Foundation
import HTTPServer
import XaasText

/// Builds the ``StatusHandler`` of `xaas serve`: resolves `serve.token` (a problem disables actions and is
/// logged, without the value), decides whether the listen address is loopback, and makes the CSRF key.
enum StatusSetup {
    static func handler(metrics: MetricsHandler, config: ConfigDirectory, stateDirectory: URL, state: StateBackend,
                        board: StatusBoard,
                        host: String, due: @escaping @Sendable (String) -> Date?, log: LogWriter) -> StatusHandler {
        var token: String?
        if let reference = config.xaas.serveToken {
            do {
                token = try reference.resolve()
            } catch {
                log.log(.warning, tenant: nil, source: nil, "serve.token (\(reference)): \(error.message); status page actions are disabled")
            }
        }
        let loopback = LoopbackRule.isLoopbackHost(host)
        if !loopback && token == nil {
            log.log(.warning, tenant: nil, source: nil, "listening beyond loopback without serve.token: the status page refuses every request but /metrics and /healthz")
        }
        var generator = SystemRandomNumberGenerator()
        let key = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return StatusHandler(metrics: metrics, stateDirectory: stateDirectory, state: state, board: board, due: due, token: token,
                             loopback: loopback, csrfKey: key,
                             onApprove: { log.log(tenant: nil, source: nil, $0) })
    }
}
