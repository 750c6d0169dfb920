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
    static let usage = "usage: xaas config check [--config DIR] [--plugin-path DIR]…"

    struct Options {
        var config = ConfigDirectory.defaultPath
        var pluginPaths: [URL] = []
    }

    /// Parses the options; a usage message on error.
    static func parse(_ args: [String]) -> Result<Options, UsageError> {
        var options = Options()
        var i = 0
        while i < args.count {
            let arg = args[i]
            func value() -> String? { i + 1 < args.count ? args[i + 1] : nil }
            switch arg {
            case "--config", "--plugin-path":
                guard let v = value() else { return .failure(UsageError(message: "\(arg) needs a directory\n\(usage)")) }
                let url = URL(fileURLWithPath: v)
                if arg == "--config" { options.config = url } else { options.pluginPaths.append(url) }
                i += 2
            case "-h", "--help":
                return .failure(UsageError(message: usage, isHelp: true))
            default:
                return .failure(UsageError(message: "unknown option '\(arg)'\n\(usage)"))
            }
        }
        return .success(options)
    }

    static func run(_ args: [String]) async -> Int32 {
        let options: Options
        switch parse(args) {
        case .success(let o): options = o
        case .failure(let e):
            if e.isHelp { print(e.message); return 0 }
            StandardError.print("xaas config check: \(e.message)")
            return 2
        }
        let problems = check(options)
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

/// A command-line usage problem (exit 2), or a help request (exit 0).
struct UsageError: Error {
    var message: String
    var isHelp = false
}
