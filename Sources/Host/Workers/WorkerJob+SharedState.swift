import Foundation

extension WorkerJob {
    /// For `xaas sync` when `xaas.json` keeps state in PostgreSQL: points the job at that backend and takes
    /// the source's lease for this one run, so a manual sync never runs beside a `xaas serve` host and its
    /// writes are fenced like theirs. Returns the lease to ``SourceLease/release()`` after the run (`nil`
    /// with SQLite state); throws when the state cannot be resolved or another host holds the source.
    mutating func takeSharedState(_ config: XaasConfig, holder: String) throws -> SourceLease? {
        let backend = try StateBackend.resolve(stateURL: nil, config: config, stateDirectory: stateDirectory)
        guard case .postgres(let conninfo, let schema) = backend else { return nil }
        let holders = try LeaseHolder.all(conninfo: conninfo, schema: schema)
        guard let lease = try SourceLease.tryAcquire(conninfo: conninfo, schema: schema, tenant: tenant, source: source,
                                                     holder: holder, ttlSeconds: 3_600) else {
            let current = holders["\(tenant)/\(source)"]
            throw WorkerError("\(tenant)/\(source) is running on \(current?.holder ?? "another host") (lease generation \(current?.generation ?? 0)); try again when it has finished")
        }
        stateBackend = backend
        leaseGeneration = lease.generation
        return lease
    }
}
