import Foundation

extension CommandLineTool {
    /// The `config` commands.
    static let configCommands: [Command] = [
        Command(["config", "check"], "validate the config directory (files, secrets, connectors and their settings)") { args in
            await ConfigCheck.run(args)
        },
    ]
}

/// `xaas config check [--config DIR] [--plugin-path DIR]…`: prints one line per problem; exit 0 when none, 1 otherwise.
enum ConfigCheck {
    static let usage = "xaas config check [--config DIR] [--plugin-path DIR]…"

    struct Options {
        var config = ConfigDirectory.defaultPath
        var pluginPaths: [URL] = []
    }

    static func run(_ args: [String]) async -> Int32 {
        Arguments.run(args, usage: usage, options: ["--config", "--plugin-path"]) { arguments throws(UsageError) in
            _ = try arguments.positionals(exactly: [])
            var options = Options()
            if let config = try arguments.value("--config") { options.config = URL(fileURLWithPath: config) }
            options.pluginPaths = arguments.values("--plugin-path").map { URL(fileURLWithPath: $0) }
            return report(check(options), options: options)
        }
    }

    static func report(_ problems: [ConfigProblem], options: Options) -> Int32 {
        for problem in problems { print(problem.description) }
        let (directory, _) = ConfigDirectory.load(options.config)
        let sourceCount = directory.tenants.reduce(0) { $0 + $1.sources.count }
        if problems.isEmpty {
            print("config ok: \(directory.tenants.count) tenant\(directory.tenants.count == 1 ? "" : "s"), "
                  + "\(sourceCount) source\(sourceCount == 1 ? "" : "s") (\(ConfigDirectory.displayPath(directory.path)))")
            return 0
        }
        StandardError.print("xaas config check: \(problems.count) problem\(problems.count == 1 ? "" : "s")")
        return 1
    }

    /// Every problem: loading, secrets (resolved but never printed), and connectors.
    static func check(_ options: Options) -> [ConfigProblem] {
        let (directory, loadProblems) = ConfigDirectory.load(options.config)
        var problems = loadProblems
        for tenant in directory.tenants {
            do { _ = try tenant.org.resolveToken() } catch { problems.append(error) }
            problems += ConnectorCheck.check(tenant.sources, pluginPaths: options.pluginPaths)
        }
        return problems
    }
}

