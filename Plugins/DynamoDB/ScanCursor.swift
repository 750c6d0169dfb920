import Foundation
import PluginAPI
import PluginKit
import XaasJSON

/// The position of a (parallel) scan: each segment's state and the segment to read next.
///
/// Text form: `ddb1.` + base64url of `{"f": fingerprint, "n": next, "s": [state, …]}` where a state is
/// `null` (not started), `false` (finished) or the segment's `LastEvaluatedKey` verbatim. The fingerprint
/// (table, index, segment count) makes a cursor from other settings an `INVALID_ARGUMENT`.
/// Also used by `http` mode (`http1.` prefix, one "segment" whose key is the paging token).
struct ScanCursor: Equatable, Sendable {
    enum SegmentState: Equatable, Sendable {
        case start
        case resume(JSONValue)
        case done
    }

    var fingerprint: String
    var segments: [SegmentState]
    /// The segment the next page reads; always one that is not done while the scan goes on.
    var next: Int

    /// A fresh scan of `count` segments.
    init(fingerprint: String, segments count: Int) {
        self.fingerprint = fingerprint
        segments = Array(repeating: .start, count: count)
        next = 0
    }

    /// Whether every segment has finished.
    var isFinished: Bool { segments.allSatisfy { $0 == .done } }

    /// Records the outcome of reading segment `next` and moves to the following unfinished segment
    /// (round robin, so the segments' pages interleave).
    mutating func advance(lastEvaluatedKey: JSONValue?) {
        segments[next] = lastEvaluatedKey.map { .resume($0) } ?? .done
        guard !isFinished else { return }
        var i = next
        repeat { i = (i + 1) % segments.count } while segments[i] == .done
        next = i
    }

    func text(prefix: String) -> String {
        let states: [JSONValue] = segments.map {
            switch $0 {
            case .start: return .null
            case .done: return .bool(false)
            case .resume(let key): return key
            }
        }
        let json = JSONValue.object([("f", .string(fingerprint)), ("n", .number(String(next))), ("s", .array(states))])
        let base64 = Data(json.serialized.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return prefix + "." + base64
    }

    /// Parses a cursor this connector produced with `prefix` for settings with `fingerprint`.
    init(text: String, prefix: String, fingerprint expected: String) throws {
        func invalid(_ why: String) -> ConnectorError {
            ConnectorError(status: XAAS_INVALID_ARGUMENT, "not a \(prefix) cursor of this source (\(why)): \(text.prefix(40))…")
        }
        guard text.hasPrefix(prefix + ".") else { throw invalid("wrong prefix") }
        var base64 = String(text.dropFirst(prefix.count + 1))
            .replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let json = try? JSONValue.parse(bytes: [UInt8](data)),
              let fingerprint = json["f"]?.stringValue, let next = json["n"]?.intValue,
              let states = json["s"]?.arrayValue, !states.isEmpty, states.indices.contains(next)
        else { throw invalid("malformed") }
        guard fingerprint == expected else { throw invalid("it was made for other settings") }
        self.fingerprint = fingerprint
        self.next = next
        segments = states.map {
            switch $0 {
            case .null: return .start
            case .bool(false): return .done
            default: return .resume($0)
            }
        }
        guard segments[next] != .done else { throw invalid("its next segment is finished") }
    }
}
