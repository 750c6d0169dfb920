import Foundation
import Synchronization
import XaasJSON

/// The alert hooks of `xaas sync` and `xaas serve`: which webhooks a tenant's runs report to (`xaas.json`'s
/// `alerts` and the tenant's `org.json` `alerts`), the events of a finished run, and (serve) sources that
/// have not succeeded for `notSucceededForMinutes`. Sending is ``AlertSender``'s (in the background).
///
/// Threading: `stale` (a `Mutex`) remembers which sources were already reported as not succeeding.
final class RunAlerts: Sendable {
    let sender: AlertSender
    private let stale = Mutex<Set<String>>([])

    /// `nil` when no webhook is configured anywhere (then nothing changes for a run).
    init?(config: ConfigDirectory, log: LogWriter) {
        guard config.xaas.alerts != nil || config.tenants.contains(where: { $0.org.alerts != nil }) else { return nil }
        sender = AlertSender(log: { log.log(.warning, tenant: nil, source: nil, $0) })
    }

    static func webhooks(_ config: ConfigDirectory, tenant: String) -> [AlertsConfig] {
        [config.xaas.alerts, config.tenant(named: tenant)?.org.alerts].compactMap { $0 }
    }

    /// The status of the source's last non-dry run (read before a run, to recognise a recovery).
    static func previousStatus(state: StateBackend, tenant: String, source: String) -> String? {
        guard let store = StateStore.existing(state, tenant: tenant, source: source) else { return nil }
        let reports = ((try? store.recentRunReports(limit: 20)) ?? []).compactMap { try? JSONValue.parse($0) }
            .compactMap(RunReport.init(json:))
        return reports.first { !$0.dryRun }?.status.rawValue
    }

    /// Queues the alerts of a finished run.
    func finished(_ report: RunReport, previousStatus: String?, config: ConfigDirectory) {
        let hooks = Self.webhooks(config, tenant: report.tenant)
        guard !hooks.isEmpty else { return }
        for event in AlertEvent.events(for: report, previousStatus: previousStatus) { sender.send(event, to: hooks) }
        if report.status == .ok && !report.dryRun { _ = stale.withLock { $0.remove("\(report.tenant)/\(report.source)") } }
    }

    /// Alerts once for each enabled source whose last ok run is older than its webhook's
    /// `notSucceededForMinutes` (or that never succeeded in that long since `since`).
    func checkNotSucceeded(config: ConfigDirectory, state: StateBackend, since: Date, now: Date = Date()) {
        for tenant in config.tenants {
            for hook in Self.webhooks(config, tenant: tenant.name) {
                guard let minutes = hook.notSucceededForMinutes else { continue }
                for source in tenant.sources where source.enabled {
                    let key = "\(tenant.name)/\(source.name)"
                    let store = StateStore.existing(state, tenant: tenant.name, source: source.name)
                    let last = (try? store?.lastSuccessAt()) ?? nil
                    let reference = last ?? since.timeIntervalSince1970
                    guard now.timeIntervalSince1970 - reference > Double(minutes) * 60 else { continue }
                    guard stale.withLock({ $0.insert(key).inserted }) else { continue }
                    let when = last.map { "since \(Date(timeIntervalSince1970: $0).formatted(.iso8601))" } ?? "ever"
                    sender.send(AlertEvent(kind: .notSucceeded, tenant: tenant.name, source: source.name,
                                           text: "xaas: \(key) has not succeeded for more than \(minutes) min (last success: \(when))"),
                                to: [hook])
                }
            }
        }
    }
}
