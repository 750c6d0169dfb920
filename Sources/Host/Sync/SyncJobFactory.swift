import Foundation

/// Builds the engine's ``SyncEngine/Job`` for one configured source.
enum SyncJobFactory {
    /// The job; every message the connector logs goes to `logger` at its own level (debug included),
    /// with `plugin: <name>` attached and the run's secrets redacted.
    static func job(tenant: TenantConfig, source: SourceConfig, registry: PluginRegistry, stateDirectory: URL,
                    approve: Int?, approveGroupDeletions: Int? = nil, client: OktaClient,
                    logger: Logger = .discarding) -> SyncEngine.Job {
        let mapping = source.mapping
        let filter = source.filter
        let connector = source.connector
        let settings = source.settingsJSON
        let directory = source.file.deletingLastPathComponent()
        let redactor = SecretRedactor(settingsJSON: settings)  // one per run: runs a command secret once
        let logger = logger.redacting(redactor)
        var rules = Planner.Rules(filter: RecordFilter(filter), mapper: ProfileMapper(mapping))
        rules.lifecycle = source.lifecycle.map { Planner.LifecycleRule(policy: LifecyclePolicy($0), now: LifecycleClock.current.now()) }
        var job = SyncEngine.Job(
            tenant: tenant.name, source: source.name, stateDirectory: stateDirectory, pageSize: source.pageSize,
            rules: rules,
            safeguards: SafeguardCheck(
                maxDeactivationPercent: source.safeguards.maxDeactivationPercent,
                maxDeactivations: source.safeguards.maxDeactivations, approvedDeactivations: approve),
            openSource: {
                let plugin = try registry.resolve(connector, relativeTo: directory)
                return try PluginInstance(plugin: plugin, settingsJSON: settings, redactor: redactor,
                                          log: logger.pluginSink(plugin: plugin.name))
            },
            target: OktaImportTarget(client: client, identitySourceId: source.identitySourceId))
        job.redactor = redactor
        job.safeguards.maxClearingUpdatePercent = source.safeguards.maxClearingUpdatePercent
        job.safeguards.maxInvalidPercent = source.safeguards.maxInvalidPercent
        job.rules.mappedAttributes = mapping.sourceAttributes
        if source.groupSync?.enabled ?? true {
            job.groups = GroupPlanner.Rules(config: source.groupSync)
            job.groupsByCapability = source.groupSync == nil
        }
        job.approvedGroupDeletions = approveGroupDeletions
        return job
    }
}
