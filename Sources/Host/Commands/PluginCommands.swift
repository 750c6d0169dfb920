import Foundation
import XaasJSON

extension CommandLineTool {
    /// The `plugins` commands.
    static let pluginCommands: [Command] = [
        Command(["plugins", "list"], "list connector plugins in the search path (and why any fail to load)") { args in
            await PluginThread.run { PluginCommands.list(args) }
        },
        Command(["plugins", "validate"], "check a plugin; with --settings also open it, check and read a page") { args in
            await IsolatedPluginValidate.run(args)
        },
        Command(["plugins", "read"], "print a plugin's records as NDJSON") { args in
            await PluginThread.run { PluginCommands.read(args) }
        },
    ]
}

/// The bodies of `xaas plugins list|validate|read`.
enum PluginCommands {
    static let listUsage = "xaas plugins list [--plugin-path DIR]… [--json]"
    static let validateUsage = "xaas plugins validate <name|path> [--settings FILE] [--plugin-path DIR]… [--timeout SECONDS]"
    static let readUsage = "xaas plugins read <name|path> --settings FILE [--limit N] [--plugin-path DIR]… [--timeout SECONDS]"
    /// `plugins read`: the longest wait for opening the plugin or for one page, unless `--timeout` says otherwise.
    static let defaultReadTimeoutSeconds = 300

    static func registry(_ arguments: Arguments) -> PluginRegistry {
        PluginRegistry(searchPath: PluginSearchPath(extraDirectories: arguments.values("--plugin-path")))
    }

    static func list(_ args: [String]) -> Int32 {
        Arguments.run(args, usage: listUsage, options: ["--plugin-path"], flags: ["--json"]) { arguments throws(UsageError) in
            _ = try arguments.positionals(exactly: [])
            let found = registry(arguments).discover()
            if arguments.flag("--json") {
                let items: [JSONValue] = found.map { discovery in
                    switch discovery.result {
                    case .success(let p):
                        return .object([
                            ("name", .string(p.name)), ("version", .string(p.version)), ("abi", .string(p.abiVersion)),
                            ("kind", .string(p.sourceKind)), ("path", .string(p.path)), ("ok", .bool(true)), ("error", .null),
                        ])
                    case .failure(let error):
                        return .object([
                            ("name", .null), ("version", .null), ("abi", .null), ("kind", .null),
                            ("path", .string(discovery.path)), ("ok", .bool(false)), ("error", .string(error.description)),
                        ])
                    }
                }
                print(JSONValue.array(items).serialized)
                return 0
            }
            if found.isEmpty {
                print("no plugins found in " + registry(arguments).searchPath.directories.map(\.path).joined(separator: ":"))
                return 0
            }
            var rows = [["NAME", "VERSION", "ABI", "KIND", "CAPABILITIES", "PATH"]]
            for discovery in found {
                switch discovery.result {
                case .success(let p):
                    let capabilities = p.capabilities.names.joined(separator: ",")
                    rows.append([p.name, p.version, p.abiVersion, p.sourceKind, capabilities.isEmpty ? "-" : capabilities, p.path])
                case .failure(let error):
                    rows.append(["(failed)", "-", "-", "-", "-", discovery.path + "\n    error: " + error.description])
                }
            }
            print(table(rows), terminator: "")
            return 0
        }
    }

    /// Left-aligned columns; the last column is not padded (and may hold a continuation line).
    static func table(_ rows: [[String]]) -> String {
        let columns = rows[0].count
        var widths = [Int](repeating: 0, count: columns)
        for row in rows { for (i, cell) in row.enumerated() where i < columns - 1 { widths[i] = max(widths[i], cell.count) } }
        var out = ""
        for row in rows {
            for (i, cell) in row.enumerated() {
                out += i < columns - 1 ? cell + String(repeating: " ", count: widths[i] - cell.count + 2) : cell
            }
            out += "\n"
        }
        return out
    }

    static func validate(_ args: [String]) -> Int32 {
        Arguments.run(args, usage: validateUsage, options: ["--plugin-path", "--settings"]) { arguments throws(UsageError) in
            let target = try arguments.positionals(exactly: ["<name|path>"])[0]
            let settingsPath = try arguments.value("--settings")
            let plugin: LoadedPlugin
            do throws(PluginError) { plugin = try registry(arguments).resolve(target) } catch {
                StandardError.print(error.description)
                return 1
            }
            IsolatedPluginValidate.say("plugin \(plugin.name) \(plugin.version): ABI \(plugin.abiVersion), runtime \(plugin.runtime), \(plugin.path)")
            if let note = plugin.abiNote { IsolatedPluginValidate.say("note: \(note)") }
            guard let settingsPath else { return 0 }
            let settingsText: String
            let settings: JSONValue
            do throws(SettingsFileError) { (settingsText, settings) = try readSettings(settingsPath) } catch {
                StandardError.print(error.description)
                return 1
            }
            let problems = SettingsSchemaValidator.validate(settings, schema: plugin.settingsSchema)
            if !problems.isEmpty {
                for problem in problems { StandardError.print("\(settingsPath): \(problem)") }
                return 1
            }
            IsolatedPluginValidate.say("settings \(settingsPath): match the plugin's schema")
            do throws(PluginError) {
                let instance = try PluginInstance(plugin: plugin, settingsJSON: settingsText, log: pluginLog(plugin.name))
                IsolatedPluginValidate.say("open: ok")
                try instance.check()
                IsolatedPluginValidate.say(plugin.capabilities.contains(.check) ? "check: ok" : "check: not supported by the plugin")
                let page = try instance.readPage(cursor: nil, checkpoint: nil, pageSizeHint: 100)
                IsolatedPluginValidate.say("first page: \(page.records.count) records, \(page.skippedCount) skipped, "
                    + (page.nextCursor == nil ? "last page" : "more pages follow"))
                for note in page.notes { print("note: \(note)") }
            } catch {
                StandardError.print(error.description)
                return 1
            }
            return 0
        }
    }

    static func read(_ args: [String]) -> Int32 {
        Arguments.run(args, usage: readUsage, options: ["--plugin-path", "--settings", "--limit", "--timeout"]) { arguments throws(UsageError) in
            let target = try arguments.positionals(exactly: ["<name|path>"])[0]
            let settingsPath = try arguments.required("--settings")
            let limit = try arguments.int("--limit", in: 0 ... Int.max)
            PluginCallWatch.install(CallWatchdog(seconds: Double(try arguments.int("--timeout", in: 1 ... 7 * 86_400)
                                                                 ?? defaultReadTimeoutSeconds)))
            do {
                let plugin = try registry(arguments).resolve(target)
                let (settingsText, _) = try readSettings(settingsPath)
                let instance = try PluginInstance(plugin: plugin, settingsJSON: settingsText, log: pluginLog(plugin.name))
                var writer = NDJSONWriter()
                var cursor: String? = nil
                var written = 0
                var loops = CursorLoopDetector()
                reading: repeat {
                    if let limit, written >= limit { break }
                    let page = try instance.readPage(cursor: cursor, checkpoint: nil, pageSizeHint: 1000)
                    for note in page.notes { StandardError.print("note: \(note)") }
                    for record in page.records {
                        if let limit, written >= limit { break reading }
                        try writer.write(record)
                        written += 1
                    }
                    cursor = page.nextCursor
                    if let loop = loops.check(page.nextCursor) {
                        try writer.flush()
                        throw PluginError(.sourceData, "\(plugin.name): \(loop)")
                    }
                } while cursor != nil
                try writer.flush()
                return 0
            } catch {
                StandardError.print("xaas: \(error)")
                return 1
            }
        }
    }

    /// A settings file problem, naming the file (and line/column for JSON syntax).
    struct SettingsFileError: Error, CustomStringConvertible {
        var description: String
    }

    /// Reads a settings file: UTF-8 text holding a JSON object.
    static func readSettings(_ path: String) throws(SettingsFileError) -> (String, JSONValue) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SettingsFileError(description: "\(path): cannot read the settings file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SettingsFileError(description: "\(path): the settings file is not valid UTF-8")
        }
        let value: JSONValue
        do { value = try JSONValue.parse(text) } catch {
            throw SettingsFileError(description: "\(path): \(error)")
        }
        guard case .object = value else {
            throw SettingsFileError(description: "\(path): settings must be a JSON object, got \(value.typeName)")
        }
        return (text, value)
    }

    /// Forwards the plugin's log messages to stderr at `XAAS_LOG_LEVEL` and above (default info; debug
    /// messages with `XAAS_LOG_LEVEL=debug`), with `plugin=<name>` attached.
    static func pluginLog(_ name: String) -> @Sendable (PluginLogLevel, String) -> Void {
        LogWriter.fromEnvironment.logger.pluginSink(plugin: name)
    }
}
