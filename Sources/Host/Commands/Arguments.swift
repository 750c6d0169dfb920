/// A command's parsed arguments: options that take a value (`--settings FILE`, `--settings=FILE`,
/// repeatable), boolean flags (`--json`), and positionals. `--` ends option parsing.
///
/// ```swift
/// return Arguments.run(args, usage: "xaas plugins read <name|path> --settings FILE",
///                      options: ["--settings", "--limit"], flags: ["--json"]) { arguments throws(UsageError) in
///     let settings = try arguments.required("--settings")
///     …
/// }
/// ```
/// Usage errors print `xaas: <message>` and the usage line on stderr and exit 2; `-h`/`--help`
/// prints the usage and exits 0.
public struct Arguments: Sendable {
    public private(set) var positionals: [String] = []
    private var values: [String: [String]] = [:]
    private var flags: Set<String> = []

    /// Parses `arguments` given the option names that take a value and the boolean flags.
    public init(_ arguments: [String], options: Set<String>, flags knownFlags: Set<String>) throws(UsageError) {
        var index = 0
        var onlyPositionals = false
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if onlyPositionals || !argument.hasPrefix("-") || argument == "-" {
                positionals.append(argument)
                continue
            }
            if argument == "--" { onlyPositionals = true; continue }
            var name = argument
            var inlineValue: String? = nil
            if let equals = argument.firstIndex(of: "="), argument.hasPrefix("--") {
                name = String(argument[..<equals])
                inlineValue = String(argument[argument.index(after: equals)...])
            }
            if options.contains(name) {
                if let inlineValue {
                    values[name, default: []].append(inlineValue)
                } else {
                    guard index < arguments.count else { throw UsageError("\(name) needs a value") }
                    values[name, default: []].append(arguments[index])
                    index += 1
                }
            } else if knownFlags.contains(name), inlineValue == nil {
                flags.insert(name)
            } else if knownFlags.contains(name) {
                throw UsageError("\(name) takes no value")
            } else {
                throw UsageError("unknown option \(name)")
            }
        }
    }

    /// Every value given for a repeatable option, in order.
    public func values(_ option: String) -> [String] { values[option] ?? [] }

    /// The value of a single-valued option, `nil` when absent; an error when given twice.
    public func value(_ option: String) throws(UsageError) -> String? {
        let all = values(option)
        guard all.count <= 1 else { throw UsageError("\(option) given more than once") }
        return all.first
    }

    /// The value of a mandatory single-valued option.
    public func required(_ option: String) throws(UsageError) -> String {
        guard let value = try value(option) else { throw UsageError("\(option) is required") }
        return value
    }

    /// An integer option within `range`, `nil` when absent.
    public func int(_ option: String, in range: ClosedRange<Int> = 0 ... Int.max) throws(UsageError) -> Int? {
        guard let text = try value(option) else { return nil }
        guard let number = Int(text), range.contains(number) else {
            throw UsageError("\(option) must be an integer in \(range.lowerBound)…\(range.upperBound), got '\(text)'")
        }
        return number
    }

    /// Whether a flag was given.
    public func flag(_ name: String) -> Bool { flags.contains(name) }

    /// Exactly `count` positionals named `names` (for the message), or a usage error.
    public func positionals(exactly names: [String]) throws(UsageError) -> [String] {
        if positionals.count < names.count { throw UsageError("missing \(names[positionals.count])") }
        if positionals.count > names.count { throw UsageError("unexpected argument '\(positionals[names.count])'") }
        return positionals
    }

    /// Parses `arguments` and runs `body`, turning usage errors into exit code 2 and `--help` into 0.
    public static func run(_ arguments: [String], usage: String, options: Set<String> = [], flags: Set<String> = [],
                           _ body: (Arguments) throws(UsageError) -> Int32) -> Int32 {
        switch parse(arguments, usage: usage, { args throws(UsageError) in
            try body(try Arguments(args, options: options, flags: flags))
        }) {
        case .success(let status): return status
        case .failure(let exit): return exit.status
        }
    }

    /// The one place a command line becomes a value or an exit: `-h`/`--help` prints the usage (exit 0); a
    /// ``UsageError`` from `parse` prints `xaas: <message>` and the usage on stderr (exit 2). For commands
    /// whose body is async (`sync`, `serve`, `bench`): parse here, then run.
    public static func parse<Value>(_ arguments: [String], usage: String,
                                    _ parse: ([String]) throws(UsageError) -> Value) -> Result<Value, CommandExit> {
        if arguments.contains("-h") || arguments.contains("--help") {
            print("usage: \(usage)")
            return .failure(CommandExit(status: 0))
        }
        do throws(UsageError) {
            return .success(try parse(arguments))
        } catch {
            StandardError.print("xaas: \(error.message)\nusage: \(usage)")
            return .failure(CommandExit(status: 2))
        }
    }
}

/// A command line that ends before the command runs (help shown: 0; usage error: 2).
public struct CommandExit: Error, Sendable {
    public var status: Int32
}

/// A command-line usage mistake (exit code 2).
public struct UsageError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
