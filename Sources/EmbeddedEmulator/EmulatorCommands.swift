import Dispatch
import Emulator
import Foundation
import Host

extension CommandLineTool {
    /// The `emulator` commands.
    static let emulatorCommands: [Command] = [
        Command(["emulator"], "run the Okta XaaS emulator [--host H] [--port N] [--config FILE] [--state FILE]") { args in
            EmulatorCommand.run(args)
        },
    ]
}

/// `xaas emulator`: serves the emulator until SIGINT/SIGTERM.
enum EmulatorCommand {
    struct Options {
        var host = "127.0.0.1"
        var port = 8090
        var config: String?
        var state: String?
    }

    /// A command-line usage problem (empty message: help was asked for).
    struct UsageError: Error {
        var message: String
    }

    static let usage = "usage: xaas emulator [--host 127.0.0.1] [--port N] [--config FILE] [--state FILE]"

    static func parse(_ args: [String]) -> Result<Options, UsageError> {
        var o = Options()
        var i = 0
        while i < args.count {
            let a = args[i]
            if a == "-h" || a == "--help" { return .failure(UsageError(message: "")) }
            guard ["--host", "--port", "--config", "--state"].contains(a) else { return .failure(UsageError(message: "unknown option '\(a)'")) }
            guard i + 1 < args.count else { return .failure(UsageError(message: "\(a) needs a value")) }
            let v = args[i + 1]
            switch a {
            case "--host": o.host = v
            case "--port":
                guard let p = Int(v), (0...65535).contains(p) else { return .failure(UsageError(message: "--port: '\(v)' is not a port number")) }
                o.port = p
            case "--config": o.config = v
            default: o.state = v
            }
            i += 2
        }
        return .success(o)
    }

    static func run(_ args: [String]) -> Int32 {
        let options: Options
        switch parse(args) {
        case .success(let o): options = o
        case .failure(let error):
            let message = error.message
            if message.isEmpty {
                print(usage)
                return 0
            }
            StandardError.print("xaas emulator: \(message)\n\(usage)")
            return 2
        }
        let configuration: EmulatorConfiguration
        do {
            configuration = try options.config.map { try EmulatorConfiguration.load(path: $0) } ?? .demo()
        } catch {
            StandardError.print("xaas emulator: \(error)")
            return 1
        }
        // Block the signals before any thread starts so the dispatch source below receives them.
        for sig in [SIGINT, SIGTERM] { signal(sig, SIG_IGN) }
        let server: EmulatorServer
        do {
            let emulator = try Emulator(configuration: configuration, statePath: options.state)
            server = try EmulatorServer.start(emulator: emulator, host: options.host, port: options.port)
        } catch {
            StandardError.print("xaas emulator: \(error)")
            return 1
        }
        print("listening on \(server.baseURL)")
        if options.config == nil {
            print("org: demo  token: demo-token  identity source: 0oademo000000000001")
            print("try: curl -X POST -H 'Authorization: SSWS demo-token' \(server.baseURL)/api/v1/identity-sources/0oademo000000000001/sessions")
        } else {
            for org in configuration.orgs {
                print("org: \(org.name)  identity sources: \(org.identitySources.joined(separator: ", "))  tokens: \(org.tokens.count)")
            }
        }
        print("inspection API: \(server.baseURL)/emulator/v1/orgs/{org}/users|sessions|stats; stop with Ctrl-C")
        fflush(nil)
        let stopped = DispatchSemaphore(value: 0)
        let queue = DispatchQueue(label: "xaas.emulator.signals")
        let sources = [SIGINT, SIGTERM].map { sig in
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler { stopped.signal() }
            source.resume()
            return source
        }
        stopped.wait()
        sources.forEach { $0.cancel() }
        server.stop()
        print("emulator stopped")
        fflush(nil)
        return 0
    }
}
