import Foundation
import XaasJSON

/// Checks each source's connector for `xaas config check`: that it can be found and loaded, that the source's
/// settings satisfy the connector's settings schema, that the connector opens with them (open parses and
/// validates its config and does no network I/O), and that `"groups": true` is supported. With `connect`, it
/// also runs the connector's own `check` (a file connector opens its file; a REST connector contacts its API).
///
/// Threading: loads and opens plugins, so run it on a dedicated thread (``PluginThread``).
struct ConnectorCheck {
    let registry: PluginRegistry
    /// Also run each connector's `check`.
    let connect: Bool
    /// Plugins found in the search path, by name (first wins), discovered once.
    let byName: [String: LoadedPlugin]
    /// Warnings (with `connect`: mapped attributes no record of the first page has).
    let warnings = WarningLog()

    init(registry: PluginRegistry, connect: Bool = false) {
        self.registry = registry
        self.connect = connect
        var byName: [String: LoadedPlugin] = [:]
        for discovery in registry.discover() {
            if case .success(let plugin) = discovery.result, byName[plugin.name] == nil { byName[plugin.name] = plugin }
        }
        self.byName = byName
    }

    /// The problems of one source's connector and settings, reported against the source file.
    func check(_ source: SourceConfig) -> [ConfigProblem] {
        let file = ConfigDirectory.displayPath(source.file)
        func problem(_ path: String, _ message: String) -> ConfigProblem {
            ConfigProblem(file: file, jsonPath: path, message: message)
        }
        let plugin: LoadedPlugin
        if source.connectorIsPath {
            do throws(PluginError) { plugin = try PluginRegistry.load(path: source.connector) } catch {
                return [problem("$.connector", "cannot load the connector: \(error.description)")]
            }
        } else if let found = byName[source.connector] {
            plugin = found
        } else {
            let known = byName.keys.sorted().joined(separator: ", ")
            return [problem("$.connector", "no connector named \"\(source.connector)\" in the plugin search path"
                            + (known.isEmpty ? "" : " (found: \(known))") + "; see 'xaas plugins list' or use --plugin-path")]
        }
        var problems: [ConfigProblem] = []
        if source.groups && !plugin.capabilities.contains(.groups) {
            problems.append(problem("$.groups", "connector \(plugin.name) does not read groups"))
        }
        guard let settings = try? JSONValue.parse(source.settingsJSON) else {
            return problems + [problem("$.settings", "internal error: settings did not re-parse")]
        }
        let schemaProblems = SettingsSchemaValidator.validate(settings, schema: plugin.settingsSchema)
        for message in schemaProblems {
            problems.append(Self.settingsProblem(message, file: file))
        }
        guard schemaProblems.isEmpty else { return problems }
        do throws(PluginError) {
            let log = LogWriter.fromEnvironment.logger.with("tenant", source.tenant).with("source", source.name)
            let instance = try PluginInstance(plugin: plugin, settingsJSON: source.settingsJSON,
                                              log: log.pluginSink(plugin: plugin.name))
            if connect {
                do throws(PluginError) {
                    try instance.check()
                    warnings.append(MappingPresenceCheck.warnings(source, instance: instance))
                } catch {
                    problems.append(problem("$.settings", "connector \(plugin.name) check failed: \(error.description)"))
                }
            }
        } catch {
            problems.append(problem("$.settings", "connector \(plugin.name) refused the settings: \(error.description)"))
        }
        return problems
    }

    /// Turns a validator message `settings.a.b: msg` into a problem at `$.settings.a.b`.
    static func settingsProblem(_ message: String, file: String) -> ConfigProblem {
        guard message.hasPrefix("settings"), let colon = message.range(of: ": ") else {
            return ConfigProblem(file: file, jsonPath: "$.settings", message: message)
        }
        let path = "$." + message[..<colon.lowerBound]
        return ConfigProblem(file: file, jsonPath: String(path), message: String(message[colon.upperBound...]))
    }
}
