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

    static let usage = "xaas emulator [--host 127.0.0.1] [--port N] [--config FILE] [--state FILE]"

    static func run(_ args: [String]) -> Int32 {
        var parsed: Options?
        let status = Arguments.run(args, usage: usage, options: ["--host", "--port", "--config", "--state"]) { arguments throws(UsageError) in
            _ = try arguments.positionals(exactly: [])
            var o = Options()
            o.host = try arguments.value("--host") ?? o.host
            o.port = try arguments.int("--port", in: 0...65_535) ?? o.port
            o.config = try arguments.value("--config")
            o.state = try arguments.value("--state")
            parsed = o
            return 0
        }
        guard let options = parsed else { return status }  // --help or a usage error
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
