import Foundation

/// The world of one `xaas bench` invocation: a temporary directory with the generated data, a config
/// directory and a state directory; the in-process emulator on loopback (``InProcessOktaLauncher``), on its
/// manual clock, with Okta's limits (5-minute rule read strictly, the org's per-minute bucket, 50 requests
/// per session); the virtual
/// clock shared by host and emulator; the counting transport; and the org's rate limiter.
///
/// Threading: used from the bench's one task; ``stop()`` when done (it also removes the directory).
final class BenchEnvironment {
    /// What the bench was asked for.
    struct Settings: Sendable {
        var users = 10_000
        var changeRate = 0.01
        var groups = 0
        /// The org's limit per minute for the Identity Sources API and xaas's share of it.
        var perMinute = 600
        var share = OrgConfig.defaultRateLimitShare
        /// Modelled time Okta takes to accept one bulk request (virtual seconds).
        var bulkSeconds = 0.2
        /// The emulator's processing time of one triggered session (emulated milliseconds).
        var processingDelayMs = 50
        var pluginPaths: [String] = []
        /// The connectors the `read` scenario measures (`--connector`; both by default).
        var readConnectors = ["csv", "ldif"]

        /// xaas's budget per minute, `⌊perMinute × share⌋`.
        var budget: Int { RateLimitPolicy(perMinute: perMinute, share: share).allowance(limit: perMinute) }
    }

    static let tenant = "bench"
    static let sourceName = "hr"
    static let xaasSource = "0oabenchxaas00000001"
    static let workflowsSource = "0oabenchflows0000001"
    static let cooldownSeconds = 300.0
    private static let token = "bench-token-not-a-secret"

    let settings: Settings
    let root: URL
    let emulator: any InProcessOkta
    let clock: BenchClock
    let transport: BenchTransport
    let limiter: OrgRateLimiter
    let baseURL: URL
    var tenantDirectory: URL { root.appendingPathComponent("connectors.d/\(Self.tenant)") }
    var csvURL: URL { tenantDirectory.appendingPathComponent("users.csv") }
    var stateDirectory: URL { root.appendingPathComponent("state") }

    init(settings: Settings) throws {
        self.settings = settings
        root = FileManager.default.temporaryDirectory
            .appendingPathComponent("xaas-bench-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        var org = InProcessOrg(name: Self.tenant, tokens: [Self.token],
                               identitySources: [Self.xaasSource, Self.workflowsSource],
                               cooldownSeconds: Self.cooldownSeconds, processingDelayMs: settings.processingDelayMs)
        org.rateLimitPerMinute = settings.perMinute
        org.cooldownSinceTrigger = true
        org.manualClock = true
        emulator = try InProcessOktaLauncher.start(org)
        baseURL = emulator.baseURL
        clock = BenchClock(emulator: emulator)
        transport = BenchTransport(clock: clock, bulkSeconds: settings.bulkSeconds)
        limiter = OrgRateLimiter(policy: RateLimitPolicy(perMinute: settings.perMinute, share: settings.share),
                                 clock: clock)
        try FileManager.default.createDirectory(at: tenantDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        try writeConfig(baseURL: baseURL)
    }

    /// Stops the emulator and removes the temporary directory.
    func stop() {
        emulator.stop()
        try? FileManager.default.removeItem(at: root)
    }

    private func writeConfig(baseURL: URL) throws {
        let org = """
            {"url": "\(baseURL.absoluteString)", "token": {"value": "\(Self.token)"},
             "rateLimit": {"perMinute": \(settings.perMinute), "share": \(settings.share)},
             "sessionCooldownSeconds": \(Int(Self.cooldownSeconds))}
            """
        // The workshop mapping of connectors.d/acme/hr.json; with --groups, the CSV's groups column.
        let groups = settings.groups > 0 ? #", "groups": {"column": "groups", "separator": ";"}"# : ""
        let source = """
            {"identitySourceId": "\(Self.xaasSource)", "connector": "csv", "pageSize": 1000,
             "settings": {"path": "users.csv", "delimiter": ",", "externalId": "id",
                          "status": {"attribute": "active", "activeValues": ["true"]}, "onBadRow": "fail"\(groups)},
             "mapping": {"userName": "${email}", "email": "${email}", "firstName": "${first_name}",
                         "lastName": "${last_name}", "displayName": "${first_name} ${last_name}", "title": "${title}",
                         "streetAddress": "${street_number} ${street_name}", "city": "${city}", "state": "${state}",
                         "zipCode": "${postcode}", "countryCode": "${country}", "mobilePhone": "${cell}",
                         "primaryPhone": "${phone}", "department": "${department}"},
             "safeguards": {"maxDeactivationPercent": 20}}
            """
        try org.write(to: tenantDirectory.appendingPathComponent("org.json"), atomically: true, encoding: .utf8)
        try source.write(to: tenantDirectory.appendingPathComponent("\(Self.sourceName).json"), atomically: true,
                         encoding: .utf8)
    }

    // MARK: The pipeline's parts

    /// The plugin registry (`--plugin-path`, `XAAS_PLUGIN_PATH`, the executable's directory).
    var registry: PluginRegistry {
        PluginRegistry(searchPath: PluginSearchPath(extraDirectories: settings.pluginPaths))
    }

    /// The bench tenant and source as `xaas sync` reads them from the config directory.
    func loadSource() throws -> (TenantConfig, SourceConfig) {
        let (config, problems) = ConfigDirectory.load(root.appendingPathComponent("connectors.d"))
        guard let tenant = config.tenant(named: Self.tenant), let source = tenant.source(named: Self.sourceName) else {
            throw BenchError("the bench configuration is invalid: \(problems.map { "\($0)" }.joined(separator: "; "))")
        }
        return (tenant, source)
    }

    /// An Okta client on the counting transport whose waits (429s, retries) move the virtual clock.
    func client(observer: (any RateLimitObserver)?) throws -> OktaClient {
        let configuration = OktaClientConfiguration(baseURL: baseURL, token: OktaSecret(Self.token))
        return try OktaClient(configuration: configuration, observer: observer, transport: transport,
                              sleep: clock.sleeper, random: { 0.5 })
    }

    /// The engine job of the bench source, as a sync worker builds it, with `client` as its Okta.
    func job(client: OktaClient) throws -> SyncEngine.Job {
        let (tenant, source) = try loadSource()
        return SyncJobFactory.job(tenant: tenant, source: source, registry: registry, stateDirectory: stateDirectory,
                                  approve: nil, client: client)
    }

    /// One `xaas sync` of the bench source on the virtual clock: the real connector, engine and client.
    func syncWithXaas() async throws -> RunReport {
        var options = SyncEngine.Options()
        options.session.cooldownSeconds = Self.cooldownSeconds
        var engine = SyncEngine(options: options)
        engine.sleep = clock.sleeper
        engine.now = { [clock] in clock.now() }
        let outcome = await engine.run(try job(client: try client(observer: limiter)))
        return outcome.report
    }
}
