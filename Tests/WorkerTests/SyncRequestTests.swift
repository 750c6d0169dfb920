import Foundation
@testable import Host
import Testing

/// `xaas sync`'s command line, parsed before anything runs: every mistake is a usage error (exit 2).
@Suite struct SyncRequestTests {
    @Test func defaultsAndValues() throws {
        let r = try SyncRequest(["--config", "/c/connectors.d", "--tenant", "acme", "--tenant", "globex", "--source", "hr",
                                 "--dry-run", "--diff", "--approve-deactivations", "3", "--jobs", "2",
                                 "--log-format", "json", "--log-level", "debug", "--plugin-path", "/p/../q"])
        #expect(r.config.path == "/c/connectors.d" && r.state.path == "/c/.xaas")
        #expect(r.tenants == ["acme", "globex"] && r.sources == ["hr"])
        #expect(r.dryRun && r.diff && !r.full && !r.json)
        #expect(r.approve == 3 && r.approveGroupDeletions == nil && r.jobs == 2)
        #expect(r.log.format == .json && r.log.minimum == .debug && r.progress == .auto)
        let job = r.job(tenant: "acme", source: "hr")
        #expect(job.dryRun && job.approve == 3 && job.pluginPaths == ["/q"] && job.stateDirectory.path == "/c/.xaas")
        let plain = try SyncRequest([])
        #expect(plain.jobs == 4 && plain.config == ConfigDirectory.defaultPath.standardizedFileURL)
    }

    @Test(arguments: [
        (["--diff"], "--diff goes with --dry-run"),
        (["--jobs", "0"], "--jobs must be an integer in 1…256"),
        (["--progress", "sometimes"], "--progress must be auto, always or never"),
        (["--log-level", "loud"], "--log-level must be one of"),
        (["--log-format", "xml"], "--log-format must be text or json"),
        (["--config", "a", "--config", "b"], "--config given more than once"),
        (["extra"], "unexpected argument 'extra'"),
    ])
    func usageErrors(args: [String], message: String) {
        do {
            _ = try SyncRequest(args)
            Issue.record("\(args) parsed")
        } catch {
            #expect(error.message.contains(message), "\(args): \(error.message)")
        }
    }
}
