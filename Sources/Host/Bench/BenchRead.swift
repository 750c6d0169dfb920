import Foundation
import XaasJSON

/// The `read` scenario: the CSV and LDIF connectors alone (the real `.so` through the plugin loader),
/// every record reaching the host as decoded pages, nothing printed; each beside its Python peer reading the
/// same file (``BenchPeer``), so the table shows the ratio.
struct BenchRead {
    var settings: BenchEnvironment.Settings
    var progress: (String) -> Void

    func run() async throws -> [BenchMeasurement] {
        let root = FileManager.default.temporaryDirectory
            .appendingPathComponent("xaas-bench-read-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: root) }
        let csv = root.appendingPathComponent("users.csv"), ldif = root.appendingPathComponent("export.ldif")
        let formats = settings.readConnectors.map { $0.uppercased() }.joined(separator: " and ")
        progress("generating \(settings.users) users (\(formats)\(settings.groups > 0 ? ", \(settings.groups) groups" : ""))")
        if settings.readConnectors.contains("csv") { try BenchData.writeCSV(to: csv, users: settings.users) }
        if settings.readConnectors.contains("ldif") {
            try BenchData.writeLDIF(to: ldif, users: settings.users, groups: settings.groups)
        }
        let csvSettings = JSONValue.object([
            ("path", .string(csv.path)), ("externalId", .string("id")),
            ("status", .object([("attribute", .string("active")), ("activeValues", .array([.string("true")]))])),
        ])
        var ldifMembers: [(String, JSONValue)] = [("path", .string(ldif.path)), ("externalId", .string("entryUUID"))]
        if settings.groups == 0 { ldifMembers.append(("groups", .bool(false))) }
        var results: [BenchMeasurement] = []
        for (connector, json, file) in [("csv", csvSettings, csv), ("ldif", JSONValue.object(ldifMembers), ldif)]
            where settings.readConnectors.contains(connector) {
            progress("read: \(connector)")
            results.append(try await measure(connector: connector, settingsJSON: json.serialized))
            progress("read: \(BenchPeer.name(connector))")
            var peer = BenchMeasurement(strategy: BenchPeer.name(connector), phase: "read")
            if let figures = BenchPeer.measure(connector, file: file) {
                (peer.records, peer.wallSeconds, peer.cpuSeconds) = figures
            } else {
                peer.peerMissing = true
            }
            results.append(peer)
        }
        return results
    }

    private func measure(connector: String, settingsJSON: String) async throws -> BenchMeasurement {
        let registry = PluginRegistry(searchPath: PluginSearchPath(extraDirectories: settings.pluginPaths))
        ResourceUsage.resetPeak()
        let cpu = ResourceUsage.now().cpuSeconds, wall = Date()
        let records = try await onDedicatedThread { () throws -> Int in
            let instance = try PluginInstance(plugin: try registry.resolve(connector), settingsJSON: settingsJSON) { _, _ in }
            var count = 0
            var cursor: String?
            repeat {
                let page = try instance.readPage(cursor: cursor, checkpoint: nil, pageSizeHint: 1000)
                count += page.records.count
                cursor = page.nextCursor
            } while cursor != nil
            return count
        }
        var m = BenchMeasurement(strategy: connector, phase: "read", records: records)
        m.wallSeconds = Date().timeIntervalSince(wall)
        m.cpuSeconds = ResourceUsage.now().cpuSeconds - cpu
        m.peakRSSBytes = ResourceUsage.peakRSSBytes()
        return m
    }
}
