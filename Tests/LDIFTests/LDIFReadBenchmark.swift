import Foundation
import Testing
import TestSupport
@testable import Host

/// The LDIF connector's read (records reaching the host through `PluginInstance`, no output) against
/// python-ldap's `ldif.LDIFParser` parsing the same slapcat-style file, in the same run. Opt-in:
///
///     swift build -c release --build-tests --scratch-path .build-release
///     XAAS_BENCH=1 swift test -c release --skip-build --scratch-path .build-release --filter LDIFReadBenchmark
///
/// `XAAS_BENCH_USERS` (default 1,000,000; plus 100 groups of 1,000 members) and `XAAS_BENCH_RUNS`
/// (default 3) change the size. Printed twice: with groups (users, groups, memberships: the default
/// settings) and with `"groups": false` (users only).
@Suite(.enabled(if: PeerBenchmark.enabled, "benchmark only: set XAAS_BENCH=1 to run"),
       .enabled(if: Interop.python != nil, "python-ldap not installed (pip install python-ldap)"))
struct LDIFReadBenchmark {
    static let parser = #"""
    import sys, time, ldif
    class Count(ldif.LDIFParser):
        def __init__(self, f):
            super().__init__(f)
            self.n = 0
        def handle(self, dn, entry):
            self.n += 1
    start, cpu = time.perf_counter(), time.process_time()
    with open(sys.argv[1], "rb") as f:
        p = Count(f)
        p.parse()
    print(p.n, time.perf_counter() - start, time.process_time() - cpu)
    """#

    @Test func ldifReadAgainstLDIFParser() throws {
        let users = PeerBenchmark.setting("XAAS_BENCH_USERS", 1_000_000)
        let runs = PeerBenchmark.setting("XAAS_BENCH_RUNS", 3)
        let groups = 100, members = min(1000, users)
        let dir = try TestSupport.makeTemporaryDirectory()
        let file = dir.appendingPathComponent("export.ldif")
        let generator = TestSupport.packageRoot.appendingPathComponent("Tests/LDIFTests/interop/bench_generate.py")
        let made = try TestSupport.run(URL(fileURLWithPath: "/usr/bin/env"),
                                       ["python3", generator.path, file.path, "\(users)", "\(groups)", "\(members)"])
        try #require(made.status == 0, "generator failed: \(made.stderr)")
        let python = try #require(Interop.python)
        let plugin = try PluginRegistry.load(path: TestSupport.connectorLibrary("LDIFConnector").path)
        let size = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0
        print("LDIF file: \(users) users, \(groups) groups of \(members) members, \(size / 1_000_000) MB")
        for groupsOn in [true, false] {
            let settings = #"{"path": "\#(file.path)", "externalId": "entryUUID", "groups": \#(groupsOn)}"#
            var xaas: [PeerBenchmark.Timing] = []
            var peer: [PeerBenchmark.Timing] = []
            var userRecords = 0
            for _ in 0 ..< runs {
                userRecords = 0
                xaas.append(try PeerBenchmark.measure {
                    let instance = try PluginInstance(plugin: plugin, settingsJSON: settings)
                    var cursor: String? = nil
                    repeat {
                        let page = try instance.readPage(cursor: cursor, checkpoint: nil, pageSizeHint: 1000)
                        userRecords += page.records.lazy.filter { $0.kind == .user }.count
                        cursor = page.nextCursor
                    } while cursor != nil
                })
                #expect(userRecords == users)
                let (entries, timing) = try PeerBenchmark.python(python, Self.parser, [file.path])
                #expect(entries == users + groups + 3)  // + the base, ou=people and ou=groups entries
                peer.append(timing)
            }
            PeerBenchmark.report("LDIF read (groups \(groupsOn ? "on" : "off"))", items: users, xaas: xaas,
                                 peerName: "ldif.LDIFParser", peer: peer)
        }
    }
}
