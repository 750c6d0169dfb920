import Foundation
import XaasJSON

/// A worker's log sink: one JSON object per line on stderr, `{"level","message",<metadata>…}`, which
/// the parent's ``LogWriter/relay(workerLine:tenant:source:redactor:)`` tags with tenant and source and
/// writes in the chosen format. The parent passes its minimum level in the job, so lines it would drop
/// are not even written to the pipe.
enum WorkerLog {
    /// A logger writing worker records on stderr.
    static func logger(minimum: LogLevel) -> Logger {
        Logger(minimum: minimum) { record in
            FileHandle.standardError.write(Data((line(record) + "\n").utf8))
        }
    }

    /// The record as one line of JSON.
    static func line(_ record: LogRecord) -> String {
        var members: [(key: String, value: JSONValue)] = [("level", .string(record.level.description))]
        for (key, value) in record.metadata where key != "level" && key != "message" {
            members.append((key, .string(value)))
        }
        members.append(("message", .string(record.message)))
        return JSONValue.object(members).serialized
    }

    /// The record a worker line holds, or `nil` when it is not one (raw text, a progress record).
    /// An unknown level name is read as `info`.
    static func record(_ line: String) -> LogRecord? {
        guard let json = try? JSONValue.parse(line), let members = json.objectValue,
              let message = json["message"]?.stringValue else { return nil }
        let level = json["level"]?.stringValue.flatMap(LogLevel.init(name:)) ?? .info
        let metadata = members.compactMap { member -> (key: String, value: String)? in
            guard member.key != "level", member.key != "message", let value = member.value.stringValue else { return nil }
            return (member.key, value)
        }
        return LogRecord(level: level, message: message, metadata: metadata)
    }
}
