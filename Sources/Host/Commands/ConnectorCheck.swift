import Foundation

/// Checks each source's connector: that it can be found and loaded, and that its settings satisfy the
/// connector's settings schema. Filled in once the plugin loader (PluginRegistry) has landed.
enum ConnectorCheck {
    static func check(_ sources: [SourceConfig], pluginPaths: [URL]) -> [ConfigProblem] {
        []
    }
}
