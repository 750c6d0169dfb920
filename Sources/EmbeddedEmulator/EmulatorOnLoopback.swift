import Emulator
import Foundation
import Host
import HTTPServer

/// The host's ``InProcessOkta`` made of the real ``Emulator``: one org, served on a free loopback port.
///
/// Threading: the emulator and its server are thread-safe; ``stop()`` once.
final class EmulatorOnLoopback: InProcessOkta {
    private let server: EmulatorServer
    let baseURL: URL
    var clockStart: Double { server.emulator.configuration.startTime }

    /// Starts the emulator for `org` (its state file, if any, is created or loaded).
    init(org: InProcessOrg) throws {
        var config = EmulatorConfiguration.Org(name: org.name, tokens: org.tokens, identitySources: org.identitySources,
                                               rateLimitPerMinute: org.rateLimitPerMinute)
        config.cooldownSeconds = org.cooldownSeconds
        config.processingDelayMs = org.processingDelayMs
        if org.cooldownSinceTrigger { config.sessionGate = .sinceTrigger }
        let emulator = try Emulator(configuration: EmulatorConfiguration(orgs: [config], manualClock: org.manualClock),
                                    statePath: org.statePath)
        server = try EmulatorServer.start(emulator: emulator, host: "127.0.0.1", port: 0)
        baseURL = URL(string: "http://127.0.0.1:\(server.port)")!
    }

    /// Moves the manual clock through the inspection API, which processes due sessions before answering.
    func advanceClock(by seconds: Double) {
        let body = Array("{\"seconds\": \(seconds)}".utf8)
        let response = server.emulator.handle(HTTPRequest(method: "POST", target: "/emulator/v1/clock/advance", body: body))
        precondition(response.status == 200, "the emulator must run on its manual clock to be advanced")
    }

    func stop() { server.stop() }
}
