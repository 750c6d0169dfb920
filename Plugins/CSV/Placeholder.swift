import PluginAPI
import XaasJSON
import PluginKit

// Placeholder so the package builds; the real CSV connector replaces this file.
final class PlaceholderCSV: Connector {
    static let info = ConnectorInfo(
        id: "org.xaas.placeholder-csv", name: "placeholder-csv", version: "0.0.0",
        description: "placeholder", sourceKind: "file", capabilities: [], settingsSchema: "{}")
    init(settings: Settings, host: HostServices) throws {}
    func readPage(_ request: PageRequest) throws -> Page { Page(records: [], nextCursor: nil) }
}

private let descriptor = PluginExport.makeDescriptor(PlaceholderCSV.self)

@c(xaas_plugin_entry_v1)
public func xaasPluginEntry(_ host: UnsafePointer<xaas_host_info>?) -> UnsafePointer<xaas_plugin_descriptor>? {
    PluginExport.entry(host, descriptor)
}
