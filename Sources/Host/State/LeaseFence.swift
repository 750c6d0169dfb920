/// The fencing token a run carries: the generation of its source's lease when this host acquired it.
/// ``PostgresStateDatabase`` checks it at the start of every write transaction, under a share lock on the
/// lease row, so a successor's acquisition (which increments the generation) waits for the write to end,
/// and a write begun after it is rejected.
public struct LeaseFence: Sendable, Equatable {
    public var tenant: String
    public var source: String
    public var generation: Int64

    public init(tenant: String, source: String, generation: Int64) {
        self.tenant = tenant
        self.source = source
        self.generation = generation
    }

    func check(_ connection: PostgresConnection) throws {
        let result = try connection.exec(
            "SELECT generation, coalesce(holder, '') FROM leases WHERE tenant=$1 AND source=$2 FOR SHARE",
            [.text(tenant), .text(source)])
        let current = result.rowCount == 0 ? 0 : result.row(0).int(0)
        guard current == generation else {
            throw LeaseError.stale(tenant: tenant, source: source, generation: generation, current: current,
                                   holder: result.rowCount == 0 ? "" : result.row(0).text(1) ?? "")
        }
    }
}

/// Why a source's lease cannot be used.
public enum LeaseError: Error, CustomStringConvertible, Sendable {
    /// A write carried generation `generation` while the lease is at `current` (another host took over).
    case stale(tenant: String, source: String, generation: Int64, current: Int64, holder: String)
    /// The lease's connection broke (server restart, network, or the server ended an idle session).
    case lost(tenant: String, source: String, generation: Int64, reason: String)

    public var description: String {
        switch self {
        case .stale(let t, let s, let g, let c, let holder):
            return "\(t)/\(s): write rejected: this run holds lease generation \(g) but the source is at generation \(c) (held by \(holder.isEmpty ? "nobody" : holder)); another host took the source over"
        case .lost(let t, let s, let g, let reason):
            return "\(t)/\(s): lease generation \(g) lost: \(reason)"
        }
    }
}
