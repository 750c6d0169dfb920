import Foundation
import TestSupport

/// A running `xaas emulator --port 0` subprocess: its URL from the first stdout line, stopped with SIGTERM.
final class EmulatorProcess {
    let process = Process()
    let output = Pipe()
    private(set) var firstLine = ""
    /// Everything read from stdout while waiting for the first line.
    private(set) var banner = ""
    var baseURL: String { firstLine.replacingOccurrences(of: "listening on ", with: "") }

    init(_ arguments: [String] = []) throws {
        process.executableURL = TestSupport.xaasExecutable
        process.arguments = ["emulator", "--port", "0"] + arguments
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var bytes: [UInt8] = []
        let handle = output.fileHandleForReading
        while !bytes.contains(UInt8(ascii: "\n")) {
            let chunk = handle.availableData
            if chunk.isEmpty { break }  // EOF: the process ended
            bytes.append(contentsOf: chunk)
        }
        let text = String(decoding: bytes, as: UTF8.self)
        banner = text
        firstLine = String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
    }

    /// Sends SIGTERM and returns the exit status and the rest of stdout.
    func stop() -> (status: Int32, rest: String) {
        if process.isRunning { process.terminate() }
        let rest = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: rest, as: UTF8.self))
    }

    deinit {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}
