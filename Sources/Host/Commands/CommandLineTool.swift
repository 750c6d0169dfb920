import Foundation

/// The `xaas` command line: dispatches the first argument(s) to a command.
///
/// Exit codes (contract): 0 success, 1 failure, 2 usage error, 3 a safeguard blocked a sync.
public enum CommandLineTool {
    /// A subcommand: its words (e.g. `["plugins", "list"]`), a one-line summary, and its body.
    public struct Command: Sendable {
        public var words: [String]
        public var summary: String
        public var run: @Sendable ([String]) async -> Int32

        public init(_ words: [String], _ summary: String, run: @escaping @Sendable ([String]) async -> Int32) {
            self.words = words
            self.summary = summary
            self.run = run
        }
    }

    /// Every command, in help order. Each area declares its own list in its own file.
    static let commands: [Command] = syncCommands + serveCommands + configCommands + oktaCommands + pluginCommands + benchCommands + [
        Command(["version"], "print the xaas version") { _ in
            print("xaas \(XaasVersion.current)")
            return 0
        },
    ]

    /// Runs the command named by `arguments` and returns the process exit code. `extraCommands` are the
    /// executable's own (e.g. `xaas emulator`, which the host library does not link), listed after the rest.
    public static func run(arguments: [String], extraCommands: [Command] = []) async -> Int32 {
        let commands = Self.commands + extraCommands
        if arguments.isEmpty || ["-h", "--help", "help"].contains(arguments[0]) {
            printUsage(commands)
            return arguments.isEmpty ? 2 : 0
        }
        _ = LifecycleClock.current  // reads XAAS_NOW (a testing aid) before any worker is spawned
        let match = (commands + [workerCommand, pluginValidateChildCommand])
            .filter { arguments.starts(with: $0.words) }
            .max { $0.words.count < $1.words.count }
        guard let command = match else {
            StandardError.print("xaas: unknown command '\(arguments.joined(separator: " "))' (see 'xaas --help')")
            return 2
        }
        return await command.run(Array(arguments.dropFirst(command.words.count)))
    }

    static func printUsage(_ commands: [Command] = commands) {
        var text = "usage: xaas <command> [options]\n\ncommands:\n"
        let width = commands.map { $0.words.joined(separator: " ").count }.max() ?? 0
        for c in commands {
            let name = c.words.joined(separator: " ")
            text += "  " + name + String(repeating: " ", count: width - name.count + 2) + c.summary + "\n"
        }
        print(text, terminator: "")
    }
}

/// Writing to standard error.
public enum StandardError {
    public static func print(_ message: String) {
        if let display = ProgressDisplay.active.withLock({ $0 }) { display.printAbove(message + "\n"); return }
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}
