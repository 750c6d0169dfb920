import Emulator
import Foundation
import HTTPServer
import Synchronization
import TestSupport
import Testing
import XaasJSON
@testable import Host

/// The limiter against the real emulator: `perMinute: 120, share: 0.5` → xaas spends ≤ 60 a minute, sees
/// no 429, and a parallel client still gets its 60.
///
/// - `onTheManualClock…`: the emulator's manual clock moved in step with the limiter's virtual clock
///   (instant; the client's own back-off sleeps move it too).
/// - `twoSyncProcesses…`: the one honest real-time test (≈ 65 s): two `xaas sync` processes, one per
///   source of the same org, against an emulator on a socket, coordinating through the state directory.
@Suite struct RateLimitEmulatorTests {
    static let token = "rl-token"
    static let sources = ["0oarl000000000000001", "0oarl000000000000002"]

    /// Requests per emulated minute (epoch minute → count) from the inspection API.
    static func perMinute(_ emulator: Emulator) throws -> [Int: Int] {
        let body = emulator.handle(HTTPRequest(method: "GET", target: "/emulator/v1/orgs/acme/stats")).body
        let stats = try JSONValue.parse(bytes: body)
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var out: [Int: Int] = [:]
        for entry in stats["requestsPerMinute"]?.arrayValue ?? [] {
            let date = try #require(entry["minute"]?.stringValue.flatMap { iso.date(from: $0) }, "bad minute in \(entry)")
            out[Int(date.timeIntervalSince1970) / 60] = entry["requests"]?.intValue
        }
        return out
    }

    static func stat(_ emulator: Emulator, _ name: String) throws -> Int {
        let body = emulator.handle(HTTPRequest(method: "GET", target: "/emulator/v1/orgs/acme/stats")).body
        return try JSONValue.parse(bytes: body)[name]?.intValue ?? -1
    }

    static func org() -> EmulatorConfiguration.Org {
        var org = EmulatorConfiguration.Org(name: "acme", tokens: [token], identitySources: sources, rateLimitPerMinute: 120)
        org.cooldownSeconds = 1
        org.processingDelayMs = 20
        return org
    }

    @Test func onTheManualClockTwoSourcesStayWithinHalfTheOrgAndAParallelClientGetsItsSixty() async throws {
        let t0 = 1_767_225_600.0
        let emulator = try Emulator(configuration: EmulatorConfiguration(orgs: [Self.org()], manualClock: true, startTime: t0))
        defer { emulator.shutdown() }
        // Virtual time moves only while no granted request is unanswered (a request "in flight" across a
        // jump would reach the emulator a virtual minute late, which real requests do not).
        let inFlight = Counter()
        let clock = VirtualClock(start: t0, idle: { inFlight.current == 0 }) { seconds in
            _ = emulator.handle(HTTPRequest(method: "POST", target: "/emulator/v1/clock/advance",
                                            body: Array("{\"seconds\":\(seconds)}".utf8)))
        }
        let store = RecordingStore(InMemoryBudgetStore()) { inFlight.add(1) }
        let limiter = OrgRateLimiter(policy: RateLimitPolicy(perMinute: 120, share: 0.5), store: store, clock: clock)
        let configuration = OktaClientConfiguration(baseURL: URL(string: "http://127.0.0.1:1")!, token: OktaSecret(Self.token))
        let transport = EmulatorTransport(emulator: emulator)
        let xaas = try OktaClient(configuration: configuration, observer: InFlightObserver(limiter, inFlight: inFlight),
                                  transport: transport,
                                  sleep: { await clock.advance($0) }, random: { 0.5 })
        let parallelTransport = DateRecordingTransport(inner: transport)
        var parallelConfiguration = configuration
        parallelConfiguration.maxRetries = 0 // a 429 would fail the call
        let parallel = try OktaClient(configuration: parallelConfiguration, observer: nil, transport: parallelTransport,
                                      sleep: { _ in }, random: { 0.5 })

        // The other half of the org, spent first: 60 requests at t0.
        for _ in 0..<60 { _ = try await parallel.listSessions(identitySourceId: Self.sources[0]) }
        let done = Mutex(false)
        // And 60 more in the middle of the run, in whatever org window that is.
        let midRun = Task {
            while clock.now() < t0 + 130 && !done.withLock({ $0 }) { try await Task.sleep(nanoseconds: 200_000) }
            for _ in 0..<60 { _ = try await parallel.listSessions(identitySourceId: Self.sources[1]) }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, source) in Self.sources.enumerated() {
                group.addTask {
                    try await RateLimitContext.$source.withValue("source\(index)") {
                        for _ in 0..<100 { _ = try await xaas.listSessions(identitySourceId: source) }
                    }
                }
            }
            try await group.waitForAll()
        }
        done.withLock { $0 = true }
        try await midRun.value

        #expect(try Self.stat(emulator, "rateLimited") == 0)
        #expect(try Self.stat(emulator, "requests") == 320)
        #expect(parallelTransport.count == 120)
        let minutes = try Self.perMinute(emulator)
        let theirs = parallelTransport.minutes
        var xaasTotal = 0
        for (minute, count) in minutes.sorted(by: { $0.key < $1.key }) {
            let ours = count - (theirs[minute] ?? 0)
            xaasTotal += ours
            #expect(ours <= 60, "minute \(minute - Int(t0) / 60): xaas sent \(ours)")
        }
        print("rate-limit (manual clock): xaas per minute \(minutes.sorted { $0.key < $1.key }.map { "m\($0.key - Int(t0) / 60)=\($0.value - (theirs[$0.key] ?? 0))" }), parallel client \(theirs.sorted { $0.key < $1.key }.map { "m\($0.key - Int(t0) / 60)=\($0.value)" }), 429s 0, \(Int(clock.now() - t0)) emulated s, waits \(limiter.status().waitsTotal)")
        #expect(xaasTotal == 200)
        // 200 requests at ≤ 60 per 62 s take at least three further windows; waiting was needed.
        #expect(clock.now() - t0 >= 3 * 62)
        #expect(limiter.status().waitsTotal > 0)
        #expect(limiter.status().rateLimited429 == 0)
    }

    @Test func twoSyncProcessesOfOneOrgStayWithinHalfItsLimitInRealTime() async throws {
        let emulator = try Emulator(configuration: EmulatorConfiguration(orgs: [Self.org()]))
        let server = HTTPServer(handler: emulator)
        let port = try server.start()
        defer { server.stop(); emulator.shutdown() }
        let root = try TestSupport.makeTemporaryDirectory("ratelimit-e2e")
        defer { try? FileManager.default.removeItem(at: root) }
        let config = root.appendingPathComponent("connectors.d"), state = root.appendingPathComponent("state")
        let acme = config.appendingPathComponent("acme")
        try FileManager.default.createDirectory(at: acme, withIntermediateDirectories: true)
        try """
            {"url": "http://127.0.0.1:\(port)", "token": {"value": "\(Self.token)"}, "sessionCooldownSeconds": 1,
             "rateLimit": {"perMinute": 120, "share": 0.5}}
            """.write(to: acme.appendingPathComponent("org.json"), atomically: true, encoding: .utf8)
        // Two sources of 6,000 users: 30 bulk requests each plus the session calls, ≈ 75 requests together.
        for (name, sourceId) in zip(["hr", "contractors"], Self.sources) {
            try """
                {"identitySourceId": "\(sourceId)", "connector": "csv",
                 "settings": {"path": "\(name).csv", "externalId": "id"},
                 "mapping": {"userName": "${email}", "email": "${email}", "firstName": "${first}", "lastName": "${last}"}}
                """.write(to: acme.appendingPathComponent("\(name).json"), atomically: true, encoding: .utf8)
            var csv = "id,first,last,email\n"
            for i in 1...6000 { csv += "\(name)-\(i),Ann\(i),Lee\(i),\(name).\(i)@example.com\n" }
            try csv.write(to: acme.appendingPathComponent("\(name).csv"), atomically: true, encoding: .utf8)
        }

        let arguments = ["sync", "--config", config.path, "--state", state.path, "--json"]
        let runs = ["hr", "contractors"].map { source in
            Task.detached { try TestSupport.xaas(arguments + ["--source", source]) }
        }
        // Once xaas is under way, a parallel client spends the other half: 60 requests, none may be refused.
        let recorder = DateRecordingTransport(inner: URLSessionTransport())
        var configuration = OktaClientConfiguration(baseURL: URL(string: "http://127.0.0.1:\(port)")!, token: OktaSecret(Self.token))
        configuration.maxRetries = 0
        let parallel = try OktaClient(configuration: configuration, transport: recorder)
        var polls = 0
        while try Self.stat(emulator, "requests") < 30 && polls < 600 {
            try await Task.sleep(nanoseconds: 100_000_000)
            polls += 1
        }
        for _ in 0..<60 { _ = try await parallel.listSessions(identitySourceId: Self.sources[0]) }

        for run in runs {
            let result = try await run.value
            #expect(result.status == 0, "xaas sync failed: \(result.stderr)\n\(result.stdout)")
        }
        #expect(try Self.stat(emulator, "rateLimited") == 0)
        let minutes = try Self.perMinute(emulator)
        let theirs = recorder.minutes
        var xaasTotal = 0
        for (minute, count) in minutes {
            let ours = count - (theirs[minute] ?? 0)
            xaasTotal += ours
            #expect(ours <= 60, "minute \(minute): xaas sent \(ours)")
        }
        print("rate-limit (real time, 2 processes): xaas per minute \(minutes.sorted { $0.key < $1.key }.map { $0.value - (theirs[$0.key] ?? 0) }), parallel client \(theirs.sorted { $0.key < $1.key }.map(\.value)), 429s \(try Self.stat(emulator, "rateLimited"))")
        #expect(recorder.count == 60)
        // More than one window's worth, so the processes had to wait for each other.
        #expect(xaasTotal > 60)
        #expect(FileManager.default.fileExists(atPath: state.appendingPathComponent("ratelimit/acme.json").path))
    }
}

/// Passes requests on and records the minute of each response's `Date` (whose requests they were).
final class DateRecordingTransport: HTTPTransport {
    let inner: any HTTPTransport
    private let seen = Mutex<[Int: Int]>([:])

    init(inner: any HTTPTransport) { self.inner = inner }

    var minutes: [Int: Int] { seen.withLock { $0 } }
    var count: Int { seen.withLock { $0.values.reduce(0, +) } }

    func send(_ request: TransportRequest) async throws -> TransportResponse {
        let response = try await inner.send(request)
        if let date = response.header("Date").flatMap(HTTPDate.epochSeconds) {
            seen.withLock { $0[date / 60, default: 0] += 1 }
        }
        return response
    }
}
