import PluginAPI
import XaasJSON
import PluginKit

// Placeholder so the package builds; the real LDIF connector replaces this file.
final class PlaceholderLDIF: Connector {
    static let info = ConnectorInfo(
        id: "org.xaas.placeholder-ldif", name: "placeholder-ldif", version: "0.0.0",
        description: "placeholder", sourceKind: "file", capabilities: [], settingsSchema: "{}")
    init(settings: Settings, host: HostServices) throws {}
    func readPage(_ request: PageRequest) throws -> Page { Page(records: [], nextCursor: nil) }
}

private let descriptor = PluginExport.makeDescriptor(PlaceholderLDIF.self)

@c(xaas_plugin_entry_v1)
public func xaasPluginEntry(_ host: UnsafePointer<xaas_host_info>?) -> UnsafePointer<xaas_plugin_descriptor>? {
    PluginExport.entry(host, descriptor)
}
