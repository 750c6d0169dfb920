import Foundation
import Glibc

/// `xaas plugins validate` runs its check in a child process of the same binary (`xaas __plugins-validate`),
/// as `sync` runs each source in a worker: a plugin that segfaults, aborts, calls `exit()` or hangs ends
/// the child, and the parent reports what happened (exit 1) instead of dying with the plugin.
///
/// The child prints its progress line by line and, last, a marker line with its exit code; output without
/// the marker means the plugin ended the process.
enum IsolatedPluginValidate {
    static let childCommand = "__plugins-validate"
    static let marker = "\u{1}xaas-validate-exit:"
    /// How long validation may take unless `--timeout` says otherwise.
    static let defaultTimeoutSeconds = 60.0

    /// The parent: runs the child with `args` (without `--timeout`) and interprets how it ended.
    static func run(_ args: [String]) async -> Int32 {
        if args.contains("-h") || args.contains("--help") { return await PluginThread.run { PluginCommands.validate(args) } }
        var rest = args
        var timeout = defaultTimeoutSeconds
        if let i = rest.firstIndex(of: "--timeout") {
            guard i + 1 < rest.count, let seconds = Double(rest[i + 1]), seconds > 0, seconds.isFinite else {
                StandardError.print("xaas: --timeout expects a number of seconds > 0\nusage: \(PluginCommands.validateUsage)")
                return 2
            }
            timeout = seconds
            rest.removeSubrange(i ... i + 1)
        }
        let process = WorkerProcess(arguments: [childCommand] + rest)
        let outcome: WorkerProcess.Outcome
        do {
            outcome = try await process.run(input: [], timeoutSeconds: timeout) { StandardError.print($0) }
        } catch {
            StandardError.print("xaas: \(error)")
            return 1
        }
        var exitCode: Int32?
        for line in String(decoding: outcome.stdout, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            if line.hasPrefix(marker) { exitCode = Int32(line.dropFirst(marker.count)) } else { print(line) }
        }
        if outcome.timedOut {
            StandardError.print("xaas: validation did not finish within \(String(format: "%g", timeout)) s: the plugin hangs "
                                + "(or needs longer: --timeout SECONDS); it was killed")
            return 1
        }
        if outcome.termination == .exited(0) || outcome.termination == .exited(1) || outcome.termination == .exited(2),
           let exitCode {
            return exitCode
        }
        switch outcome.termination {
        case .signalled(let signal):
            StandardError.print("xaas: the plugin crashed the validation with \(WorkerResult.signalName(signal)); "
                                + "the plugin is broken (the output above shows how far validation got)")
        case .exited(let status):
            StandardError.print("xaas: the plugin ended the validation process with exit status \(status) (it called exit()); "
                                + "a plugin must return an error instead")
        }
        return 1
    }

    /// Prints a progress line of `validate` and flushes it, so it reaches the parent even if the plugin
    /// crashes right after.
    static func say(_ line: String) {
        print(line)
        fflush(nil)
    }

    /// The child: validates in-process (progress flushed line by line), then prints the marker.
    static func runChild(_ args: [String]) async -> Int32 {
        let code = await PluginThread.run { PluginCommands.validate(args) }
        print("\(marker)\(code)")
        fflush(nil)
        return code
    }
}

extension CommandLineTool {
    /// The hidden child of `plugins validate` (not listed in help).
    static let pluginValidateChildCommand = Command([IsolatedPluginValidate.childCommand], "") { args in
        await IsolatedPluginValidate.runChild(args)
    }
}
