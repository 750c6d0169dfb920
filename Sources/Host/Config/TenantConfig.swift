import Foundation

/// One tenant: a folder `connectors.d/<tenant>/` holding `org.json` and one `<source>.json` per identity source.
public struct TenantConfig: Sendable, CustomStringConvertible {
    /// The folder name.
    public var name: String
    /// The tenant folder.
    public var directory: URL
    public var org: OrgConfig
    /// The valid sources, sorted by name.
    public var sources: [SourceConfig]

    public init(name: String, directory: URL, org: OrgConfig, sources: [SourceConfig]) {
        self.name = name
        self.directory = directory
        self.org = org
        self.sources = sources
    }

    public var description: String {
        "tenant \(name): \(org); sources: \(sources.map(\.name).joined(separator: ", "))"
    }

    /// The source named `name`, if loaded.
    public func source(named name: String) -> SourceConfig? {
        sources.first { $0.name == name }
    }
}
