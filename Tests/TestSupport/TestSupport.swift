import Foundation

/// Helpers shared by the test targets: where the built products are, running them, temp dirs.
public enum TestSupport {
    /// The directory of the built products (`xaas`, `lib*.so`): the directory of the test binary.
    public static let binDirectory: URL = {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        // On Linux the test bundle is `<bin>/xaasPackageTests.xctest`, an executable file.
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("xaas").path),
              dir.path != "/" {
            dir = dir.deletingLastPathComponent()
        }
        return dir
    }()

    /// The built `xaas` executable.
    public static var xaasExecutable: URL { binDirectory.appendingPathComponent("xaas") }

    /// The built connector library for a product name (`CSVConnector` → `libCSVConnector.so`).
    public static func connectorLibrary(_ product: String) -> URL {
        binDirectory.appendingPathComponent("lib\(product).so")
    }

    /// The package root (the folder holding Package.swift).
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The shared `corpora` folder, when present: `$XAAS_SHARED_DIR/corpora`, else `../shared/corpora`
    /// beside the checkout, else `/work/shared/corpora`.
    public static var sharedCorpora: URL? {
        var candidates: [URL] = []
        if let shared = ProcessInfo.processInfo.environment["XAAS_SHARED_DIR"], !shared.isEmpty {
            candidates.append(URL(fileURLWithPath: shared).appendingPathComponent("corpora"))
        }
        candidates.append(packageRoot.deletingLastPathComponent().appendingPathComponent("shared/corpora"))
        candidates.append(URL(fileURLWithPath: "/work/shared/corpora"))
        return candidates.first { FileManager.default.fileExists(atPath: $0.path) }
    }

    /// A fresh private (0700) temporary directory.
    public static func makeTemporaryDirectory(_ prefix: String = "xaas-test") throws -> URL {
        var template = Array((NSTemporaryDirectory() + "/\(prefix)-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw POSIXError(.EIO) }
        return URL(fileURLWithPath: String(cString: made), isDirectory: true)
    }

    /// The result of running a process.
    public struct ProcessResult: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        public var stdoutData: Data
    }

    /// Runs `executable` with `arguments`, feeding `stdin`, and collects its output.
    public static func run(
        _ executable: URL, _ arguments: [String], environment: [String: String]? = nil,
        stdin: Data? = nil, currentDirectory: URL? = nil
    ) throws -> ProcessResult {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let environment {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        // Drain both pipes concurrently so a chatty child cannot block on a full pipe.
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { errData = err.fileHandleForReading.readDataToEndOfFile() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return ProcessResult(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self), stdoutData: outData)
    }

    /// Runs the built `xaas` with `arguments`.
    public static func xaas(_ arguments: [String], environment: [String: String]? = nil, stdin: Data? = nil,
                            currentDirectory: URL? = nil) throws -> ProcessResult {
        try run(xaasExecutable, arguments, environment: environment, stdin: stdin, currentDirectory: currentDirectory)
    }

    /// The path of `python3` when it exists and can import every module in `modules`, else `nil`.
    /// Tests that need a real peer skip (with this reason) when it is absent.
    public static func python(with modules: [String]) -> URL? {
        for candidate in ["/usr/bin/env"] {
            let url = URL(fileURLWithPath: candidate)
            let script = modules.map { "import \($0)" }.joined(separator: "; ")
            if let r = try? run(url, ["python3", "-c", script]), r.status == 0 {
                return url
            }
        }
        return nil
    }
}
