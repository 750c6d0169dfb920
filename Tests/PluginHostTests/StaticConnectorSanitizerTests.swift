import Foundation
import Testing
import TestSupport

/// Builds the static connector's C sources with a driver under AddressSanitizer and
/// UndefinedBehaviorSanitizer (and LeakSanitizer where it works) and runs it.
@Suite("Static connector under sanitizers")
struct StaticConnectorSanitizerTests {
    static let sanitizerFlags = ["-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-fno-sanitize-recover=all"]

    /// Whether `cc` can build and run a sanitized program here.
    static let sanitizersAvailable: Bool = {
        guard let compiler = CPluginBuilder.compiler, let dir = try? TestSupport.makeTemporaryDirectory() else { return false }
        let source = dir.appendingPathComponent("probe.c")
        guard (try? "int main(void) { return 0; }\n".write(to: source, atomically: true, encoding: .utf8)) != nil,
              let built = try? TestSupport.run(compiler, sanitizerFlags + ["-o", dir.appendingPathComponent("probe").path, source.path]),
              built.status == 0,
              let ran = try? TestSupport.run(dir.appendingPathComponent("probe"), [], environment: ["ASAN_OPTIONS": "detect_leaks=0"])
        else { return false }
        return ran.status == 0
    }()

    @Test("paging, JSON edge cases, CONFIG paths, truncation and cancel — no memory errors",
          .enabled(if: sanitizersAvailable, "cc with AddressSanitizer/UBSan (libasan, libubsan) not available"))
    func driver() throws {
        let compiler = try #require(CPluginBuilder.compiler)
        let dir = try TestSupport.makeTemporaryDirectory()
        let root = TestSupport.packageRoot
        let driver = dir.appendingPathComponent("static_driver")
        let build = try TestSupport.run(compiler, Self.sanitizerFlags + [
            "-std=c11", "-Wall", "-Wextra", "-Werror", "-g", "-I", CPluginBuilder.headerDirectory.path,
            "-o", driver.path,
            root.appendingPathComponent("Tests/Fixtures/static_driver.c").path,
            root.appendingPathComponent("Plugins/Static/static_connector.c").path,
            root.appendingPathComponent("Plugins/Static/static_json.c").path,
        ])
        #expect(build.status == 0, "\(build.stderr)")
        guard build.status == 0 else { return }
        // LeakSanitizer cannot run under ptrace (some CI sandboxes); try it, fall back without it.
        var run = try TestSupport.run(driver, [], environment: ["ASAN_OPTIONS": "detect_leaks=1"])
        if run.stderr.contains("LeakSanitizer does not work") {
            run = try TestSupport.run(driver, [], environment: ["ASAN_OPTIONS": "detect_leaks=0"])
        }
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.hasSuffix("ok\n"), "\(run.stdout)")
    }
}
