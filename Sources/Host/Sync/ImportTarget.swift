/// The Okta operations a sync needs for one identity source. ``OktaClient`` provides them; tests may
/// substitute a double.
public protocol ImportTarget: Sendable {
    var identitySourceId: String { get }
    func createSession() async throws -> ImportSession
    func listSessions() async throws -> [ImportSession]
    func getSession(_ id: String) async throws -> ImportSession
    func cancelSession(_ id: String) async throws
    func startImport(_ id: String) async throws -> ImportSession
    func bulk(_ operation: BulkOperation, sessionId: String, body: BulkBody) async throws
    /// Bulk requests to `sessionId` Okta may have counted (retried lost answers included), or nil when unknown.
    func bulkRequestsCounted(_ sessionId: String) -> Int?
}

extension ImportTarget {
    public func bulkRequestsCounted(_ sessionId: String) -> Int? { nil }
}

/// ``OktaClient`` bound to one identity source.
public struct OktaImportTarget: ImportTarget {
    public let client: OktaClient
    public let identitySourceId: String

    public init(client: OktaClient, identitySourceId: String) {
        self.client = client
        self.identitySourceId = identitySourceId
    }

    public func createSession() async throws -> ImportSession {
        try await client.createSession(identitySourceId: identitySourceId)
    }

    public func listSessions() async throws -> [ImportSession] {
        try await client.listSessions(identitySourceId: identitySourceId)
    }

    public func getSession(_ id: String) async throws -> ImportSession {
        try await client.getSession(identitySourceId: identitySourceId, sessionId: id)
    }

    public func cancelSession(_ id: String) async throws {
        try await client.cancelSession(identitySourceId: identitySourceId, sessionId: id)
    }

    public func startImport(_ id: String) async throws -> ImportSession {
        try await client.startImport(identitySourceId: identitySourceId, sessionId: id)
    }

    public func bulk(_ operation: BulkOperation, sessionId: String, body: BulkBody) async throws {
        try await client.bulk(operation, identitySourceId: identitySourceId, sessionId: sessionId, body: body)
    }

    public func bulkRequestsCounted(_ sessionId: String) -> Int? { client.bulkRequestsCounted(sessionId: sessionId) }
}
