import Foundation
import XaasJSON

/// Approvals given on the status page (`xaas serve`): "Approve N deactivations" for one source, stored as
/// `<state>/approvals/<tenant>__<source>.json` `{"deactivations": N, "approvedAt": …}` and used by the
/// source's next run exactly as `--approve-deactivations N`; a run that gets past its safeguards (ok or
/// blocked, not a dry run) uses it up. Files are written atomically with mode 0600.
///
/// With PostgreSQL state (several hosts), approvals are rows of the shared state instead
/// (``StateStore/recordApproval(_:at:)``), so the host that runs the source next sees them.
public struct ApprovalStore: Sendable {
    public let directory: URL
    /// The shared state, when the backend is PostgreSQL; nil = files in ``directory``.
    let shared: StateBackend?

    public init(stateDirectory: URL, backend: StateBackend? = nil) {
        directory = stateDirectory.appendingPathComponent("approvals", isDirectory: true)
        shared = backend.flatMap { $0.isShared ? $0 : nil }
    }

    private func file(_ tenant: String, _ source: String) -> URL {
        directory.appendingPathComponent("\(tenant)__\(source).json")
    }

    /// Records an approval of `count` deactivations for the next run of `tenant/source`.
    public func approve(tenant: String, source: String, count: Int, now: Date = Date()) throws {
        if let shared {
            return try StateStore.open(shared, tenant: tenant, source: source).recordApproval(count, at: now.timeIntervalSince1970)
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let json = JSONValue.object([("deactivations", .number(String(count))),
                                     ("approvedAt", .number(String(format: "%.3f", now.timeIntervalSince1970)))])
        let url = file(tenant, source)
        try Data(json.serialized.utf8).write(to: url, options: .atomic)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: url.path)
    }

    /// The approved count waiting for the next run, if any.
    public func pending(tenant: String, source: String) -> Int? {
        if let shared { return (try? StateStore.existing(shared, tenant: tenant, source: source)?.pendingApproval()) ?? nil }
        guard let data = FileManager.default.contents(atPath: file(tenant, source).path),
              let json = try? JSONValue.parse(bytes: Array(data)) else { return nil }
        return json["deactivations"]?.intValue
    }

    /// Removes the approval (the run used it).
    public func consume(tenant: String, source: String) {
        if let shared { try? StateStore.existing(shared, tenant: tenant, source: source)?.consumeApproval(); return }
        try? FileManager.default.removeItem(at: file(tenant, source))
    }
}
