import Foundation
import Synchronization

/// The parent's side of each tenant's org while workers run: for an `"embedded"` org, the emulator runs
/// HERE (one per tenant, shared by all its sources' workers) and each worker gets its URL and token on
/// stdin; a remote org needs nothing (each worker resolves `org.json` itself, so the token never crosses
/// a process boundary).
///
/// Threading: `embedded` (a `Mutex`) guards the started emulators; any thread may call.
final class TenantEndpoints: Sendable {
    private let embedded = Mutex<[String: (server: EmbeddedOkta, endpoint: WorkerJob.Endpoint)]>([:])
    let stateDirectory: URL

    init(stateDirectory: URL) { self.stateDirectory = stateDirectory }

    /// The endpoint to hand to `tenant`'s workers (`nil` for a remote org); starts an embedded emulator
    /// the first time it is asked for one.
    func endpoint(for tenant: TenantConfig) throws -> WorkerJob.Endpoint? {
        guard case .embedded = tenant.org.endpoint else { return nil }
        return try embedded.withLock { started in
            if let existing = started[tenant.name] { return existing.endpoint }
            let token = try tenant.org.resolveToken() ?? EmbeddedOkta.generatedToken()
            let server = try EmbeddedOkta(
                tenant: tenant, token: token, stateDirectory: stateDirectory,
                cooldownSeconds: tenant.org.sessionCooldownSeconds ?? EmbeddedOkta.defaultCooldownSeconds)
            let endpoint = WorkerJob.Endpoint(url: server.baseURL, token: OktaSecret(token), scheme: .ssws,
                                              cooldownSeconds: server.cooldownSeconds)
            started[tenant.name] = (server, endpoint)
            return endpoint
        }
    }

    /// Stops every embedded emulator (flushing its state).
    func close() {
        let servers = embedded.withLock { started in
            defer { started = [:] }
            return started.values.map(\.server)
        }
        for server in servers { server.stop() }
    }
}
