import Synchronization

/// `config check --connect`: reads the first page of each source and warns about mapped attributes that
/// none of its records has (a typo such as `${titel}` would otherwise strip every user's title).
/// Warnings do not change the exit status: an optional attribute may simply be rare.
enum MappingPresenceCheck {
    /// Warnings for `source`, from the first page `instance` returns (none when the read fails: the
    /// connector's own check reports that).
    static func warnings(_ source: SourceConfig, instance: PluginInstance) -> [String] {
        guard let page = try? instance.readPage(cursor: nil, checkpoint: nil, pageSizeHint: source.pageSize) else { return [] }
        var presence = AttributePresence(watching: source.mapping.sourceAttributes)
        for record in page.records where record.kind == .user { presence.observe(record) }
        let file = ConfigDirectory.displayPath(source.file)
        return presence.warnings.map { "\(file): $.mapping: \($0.replacingOccurrences(of: "records read", with: "records of the first page"))" }
    }
}

/// Warnings collected while checking (thread-safe).
final class WarningLog: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ more: [String]) { lines.withLock { $0 += more } }
    var all: [String] { lines.withLock { $0 } }
}
