import Emulator
import Foundation
import Host
import HTTPServer
import Synchronization

/// The host's ``InProcessOkta`` made of the real ``Emulator``: one org, served on a free loopback port.
///
/// Threading: the emulator and its server are thread-safe; ``stop()`` once.
final class EmulatorOnLoopback: InProcessOkta {
    private let server: EmulatorServer
    /// CPU time (nanoseconds) of ``advanceClock(by:)`` calls: session processing on the caller's thread.
    private let advanceCPU = Atomic<UInt64>(0)
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
        let start = ThreadCPUClock.nanoseconds()
        let response = server.emulator.handle(HTTPRequest(method: "POST", target: "/emulator/v1/clock/advance", body: body))
        advanceCPU.add(ThreadCPUClock.nanoseconds() &- start, ordering: .relaxed)
        precondition(response.status == 200, "the emulator must run on its manual clock to be advanced")
    }

    var cpuSeconds: Double { server.requestCPUSeconds + Double(advanceCPU.load(ordering: .relaxed)) / 1e9 }

    func stop() { server.stop() }
}
