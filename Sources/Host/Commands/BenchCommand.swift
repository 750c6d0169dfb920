import Foundation
import XaasJSON

extension CommandLineTool {
    /// The `bench` command.
    static let benchCommands: [Command] = [
        Command(["bench"], "measure the pipeline and its Okta time against an in-process emulator") { args in
            await BenchCommand.run(args)
        },
    ]
}

/// `xaas bench <read|initial|nochange|delta|okta-time> [--users N] [--change-rate P] [--groups G]
/// [--strategy xaas|workflows] [--connector csv|ldif] [--json] [--per-minute N] [--share S] [--bulk-ms MS] [--plugin-path DIR]…`
///
/// Generates its own data in a temporary directory, runs the real pipeline against an in-process emulator on
/// a virtual clock (see `docs/performance.md`), and prints a table, or one JSON object per measured phase.
/// Exit codes: 0 measured, 1 a run failed, 2 usage.
enum BenchCommand {
    static let usage = "xaas bench <read|initial|nochange|delta|okta-time> [--users N] [--change-rate P] [--groups G] [--strategy xaas|workflows] [--connector csv|ldif] [--json] [--per-minute N] [--share S] [--bulk-ms MS] [--plugin-path DIR]…"

    static func run(_ args: [String]) async -> Int32 {
        let scenario: BenchScenario, runner: BenchRunner, json: Bool
        switch Arguments.parse(args, usage: usage, parse) {
        case .success(let parsed): (scenario, runner, json) = parsed
        case .failure(let exit): return exit.status
        }
        var runner2 = runner
        if !json { runner2.progress = { StandardError.print("bench: \($0)") } }
        let results: [BenchMeasurement]
        do {
            results = try await runner2.run(scenario)
        } catch {
            StandardError.print("xaas bench: \(error)")
            return 1
        }
        let output = BenchOutput(scenario: scenario, settings: runner.settings, results: results)
        print(json ? output.jsonLines() : output.table(), terminator: "")
        return 0
    }

    static func parse(_ args: [String]) throws(UsageError) -> (BenchScenario, BenchRunner, Bool) {
        let arguments = try Arguments(args, options: ["--users", "--change-rate", "--groups", "--strategy", "--per-minute",
                                                      "--share", "--bulk-ms", "--plugin-path", "--connector"],
                                      flags: ["--json"])
        let name = try arguments.positionals(exactly: ["a scenario (read, initial, nochange, delta, okta-time)"])[0]
        guard let scenario = BenchScenario(rawValue: name) else {
            throw UsageError("unknown scenario '\(name)': expected read, initial, nochange, delta or okta-time")
        }
        var settings = BenchEnvironment.Settings()
        settings.users = try arguments.int("--users", in: 1 ... 100_000_000) ?? settings.users
        settings.groups = try arguments.int("--groups", in: 0 ... 1_000_000) ?? 0
        settings.perMinute = try arguments.int("--per-minute", in: 1 ... 1_000_000) ?? settings.perMinute
        settings.changeRate = try fraction(arguments, "--change-rate") ?? settings.changeRate
        settings.share = try fraction(arguments, "--share") ?? settings.share
        if settings.share == 0 { throw UsageError("--share must be above 0") }
        settings.bulkSeconds = Double(try arguments.int("--bulk-ms", in: 0 ... 600_000) ?? 200) / 1000
        settings.pluginPaths = arguments.values("--plugin-path")
        if let connector = try arguments.value("--connector") {
            guard ["csv", "ldif"].contains(connector) else { throw UsageError("--connector must be csv or ldif, got '\(connector)'") }
            guard scenario == .read else { throw UsageError("--connector applies to the read scenario only") }
            settings.readConnectors = [connector]
        }
        var runner = BenchRunner(settings: settings)
        if let text = try arguments.value("--strategy") {
            guard let strategy = BenchStrategy(rawValue: text) else {
                throw UsageError("--strategy must be xaas or workflows, got '\(text)'")
            }
            runner.strategy = strategy
        }
        return (scenario, runner, arguments.flag("--json"))
    }

    /// A fraction in 0…1, written `0.01` or `1%`.
    private static func fraction(_ arguments: Arguments, _ option: String) throws(UsageError) -> Double? {
        guard let text = try arguments.value(option) else { return nil }
        let percent = text.hasSuffix("%")
        guard let number = Double(percent ? String(text.dropLast()) : text) else {
            throw UsageError("\(option) must be a fraction (0.01) or a percentage (1%), got '\(text)'")
        }
        let value = percent ? number / 100 : number
        guard (0 ... 1).contains(value) else { throw UsageError("\(option) must be between 0 and 1 (0%–100%), got '\(text)'") }
        return value
    }
}
