import Foundation

/// The `{"command": [...]}` secret form: runs a program directly (no shell, so no quoting or injection
/// issues), with stdin closed and a timeout; its standard output, minus one trailing newline, is the
/// secret. Standard error is discarded (it is never shown: it may echo the secret). For Vault, cloud
/// secret managers, `pass`…
struct SecretCommand {
    var arguments: [String]
    var timeoutSeconds: Double = 30

    /// The program's output. Errors name the program and the exit status or timeout, never the output.
    func run(multiline: Bool) throws(ConfigProblem) -> String {
        let program = arguments.first ?? ""
        func problem(_ message: String) -> ConfigProblem {
            ConfigProblem(file: "command \(program)", jsonPath: "", message: message)
        }
        let process = Process()
        if program.contains("/") {
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = Array(arguments.dropFirst())
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = arguments
        }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { throw problem("could not start the secret command (\(error.localizedDescription))") }
        let reader = OutputCollector(handle: output.fileHandleForReading)
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            throw problem("the secret command did not finish within \(Int(timeoutSeconds)) s")
        }
        let data = reader.finish()
        guard process.terminationStatus == 0 else {
            throw problem("the secret command exited with status \(process.terminationStatus) (its output is not shown)")
        }
        guard var text = String(data: data, encoding: .utf8) else { throw problem("the secret command's output is not UTF-8") }
        if text.hasSuffix("\r\n") { text.removeLast(1) } else if text.hasSuffix("\n") { text.removeLast() }
        guard !text.isEmpty else { throw problem("the secret command printed nothing") }
        guard multiline || !text.contains("\n") else { throw problem("the secret command must print one line") }
        return text
    }
}

/// Drains a pipe on a background thread so a chatty program cannot block on a full pipe.
private final class OutputCollector: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(handle: FileHandle) {
        DispatchQueue.global().async {
            self.data = handle.readDataToEndOfFile()
            self.done.signal()
        }
    }

    func finish() -> Data {
        done.wait()
        return data
    }
}
