import Foundation
import Host
import SyncTestSupport
import Testing
import TestSupport

/// `pageTimeoutSeconds` and `memoryLimitMB` of a source file: defaults, values, `null`, and problems.
@Suite struct WorkerLimitsConfigTests {
    @Test func defaultsValuesAndNull() throws {
        let f = try ConfigFixture()
        let (plain, _) = try f.loadSource([:])
        #expect(plain?.workerLimits == WorkerLimits())
        #expect(plain?.workerLimits.pageTimeoutSeconds == 300 && plain?.workerLimits.memoryLimitMB == 8192)
        let (set, problems) = try f.loadSource(["pageTimeoutSeconds": "2.5", "memoryLimitMB": "256"])
        #expect(problems == [])
        #expect(set?.workerLimits.pageTimeoutSeconds == 2.5 && set?.workerLimits.memoryLimitMB == 256)
        let (unlimited, _) = try f.loadSource(["memoryLimitMB": "null"])
        #expect(unlimited != nil && unlimited?.workerLimits.memoryLimitMB == nil)
    }

    @Test func outOfRangeValuesAreProblemsNamingTheKey() throws {
        for (key, value) in [("pageTimeoutSeconds", "0"), ("pageTimeoutSeconds", "\"5\""), ("memoryLimitMB", "10"),
                             ("memoryLimitMB", "1.5")] {
            let (source, problems) = try ConfigFixture().loadSource([key: value])
            #expect(source == nil && problems.count == 1, "\(key)=\(value): \(problems)")
            #expect(problems.first?.jsonPath == "$.\(key)", "\(problems)")
        }
    }
}
