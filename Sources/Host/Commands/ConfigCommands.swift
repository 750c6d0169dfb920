import Foundation

extension CommandLineTool {
    /// The `config` commands.
    static let configCommands: [Command] = [
        Command(["config", "check"], "validate the config directory (files, secrets, connectors and their settings)") { args in
            await PluginThread.run { ConfigCheck.run(args) }
        },
    ]
}

/// `xaas config check [--config DIR] [--plugin-path DIR]… [--connect]`: prints one line per problem; exit 0 when none, 1 otherwise.
enum ConfigCheck {
    static let usage = "xaas config check [--config DIR] [--plugin-path DIR]… [--connect]"

    static func run(_ args: [String]) -> Int32 {
        Arguments.run(args, usage: usage, options: ["--config", "--plugin-path"], flags: ["--connect"]) { arguments throws(UsageError) in
            _ = try arguments.positionals(exactly: [])
            let config = try arguments.configDirectory()
            let registry = PluginRegistry(searchPath: PluginSearchPath(extraDirectories: arguments.values("--plugin-path")))
            let warnings = WarningLog()
            let (directory, problems) = check(config, registry: registry, connect: arguments.flag("--connect"), warnings: warnings)
            for problem in problems { print(problem.description) }
            for warning in warnings.all { print("warning: \(warning)") }
            let sourceCount = directory.sources.count
            if problems.isEmpty {
                let tenants = directory.tenants.count
                print("config ok: \(tenants) tenant\(tenants == 1 ? "" : "s"), \(sourceCount) source\(sourceCount == 1 ? "" : "s") "
                      + "(\(ConfigDirectory.displayPath(directory.path)))")
                return 0
            }
            StandardError.print("xaas config check: \(problems.count) problem\(problems.count == 1 ? "" : "s")")
            return 1
        }
    }

    /// Loads `config` and returns it with every problem: loading, secrets (resolved, never printed) and connectors.
    /// With `connect`, also runs each connector's own check (opens files, contacts the source).
    /// Call from a dedicated thread (see ``PluginThread``): connectors are loaded and opened.
    static func check(_ config: URL, registry: PluginRegistry, connect: Bool = false,
                      warnings: WarningLog? = nil) -> (ConfigDirectory, [ConfigProblem]) {
        let (directory, loadProblems) = ConfigDirectory.load(config)
        var problems = loadProblems
        let connectors = ConnectorCheck(registry: registry, connect: connect)
        for tenant in directory.tenants {
            do { _ = try tenant.org.resolveToken() } catch { problems.append(error) }
            if let oauth = tenant.org.oauth { problems += OAuthKeyCheck.problems(oauth, org: tenant.org) }
            for source in tenant.sources { problems += connectors.check(source) }
        }
        warnings?.append(connectors.warnings.all)
        return (directory, problems)
    }
}
