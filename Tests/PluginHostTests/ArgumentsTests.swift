import Testing
import Host

@Suite("Arguments")
struct ArgumentsTests {
    @Test func optionsFlagsAndPositionals() throws {
        let a = try Arguments(["static", "--plugin-path", "/a", "--json", "--plugin-path=/b", "--", "--not-an-option"],
                              options: ["--plugin-path"], flags: ["--json"])
        #expect(a.positionals == ["static", "--not-an-option"])
        #expect(a.values("--plugin-path") == ["/a", "/b"])
        #expect(a.flag("--json"))
        #expect(!a.flag("--other"))
        #expect(throws: UsageError.self) { try a.value("--plugin-path") }
    }

    @Test func usageErrors() throws {
        #expect(throws: UsageError.self) { try Arguments(["--bogus"], options: [], flags: []) }
        #expect(throws: UsageError.self) { try Arguments(["--settings"], options: ["--settings"], flags: []) }
        #expect(throws: UsageError.self) { try Arguments(["--json=1"], options: [], flags: ["--json"]) }
        let a = try Arguments(["--limit", "x"], options: ["--limit"], flags: [])
        #expect(throws: UsageError.self) { try a.int("--limit") }
        #expect(throws: UsageError.self) { try a.required("--settings") }
        #expect(throws: UsageError.self) { try a.positionals(exactly: ["<name>"]) }
    }

    @Test func runMapsUsageErrorsToExitTwo() {
        #expect(Arguments.run(["--nope"], usage: "x") { _ in 0 } == 2)
        #expect(Arguments.run(["--help"], usage: "x") { _ in 1 } == 0)
        #expect(Arguments.run(["a"], usage: "x") { args throws(UsageError) in Int32(try args.positionals(exactly: ["<a>"]).count) } == 1)
    }

    @Test func parseGivesTheValueOrTheExitStatus() throws {
        func status(_ result: Result<Int, CommandExit>) -> Int32? {
            if case .failure(let exit) = result { return exit.status }
            return nil
        }
        #expect(status(Arguments.parse(["--help"], usage: "x") { _ in 1 }) == 0)
        #expect(status(Arguments.parse(["a"], usage: "x") { (_: [String]) throws(UsageError) -> Int in throw UsageError("bad") }) == 2)
        #expect(try Arguments.parse(["a", "b"], usage: "x") { $0.count }.get() == 2)
    }
}
