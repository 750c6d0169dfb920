import Foundation
@testable import Host
import XaasJSON

// One home for a fuzz target: the libFuzzer harness (scripts/fuzz/config.swift, built by scripts/fuzz.sh with
// this file) crashes on what `check` returns, and FuzzRegressionTests replays every seed and kept crasher
// through the same `check`.

/// connectors.d parsers. The first byte picks one, the rest is its input:
///   0  a source file (JSON → SourceConfig.read)     1  an org file (JSON → OrgConfig.read)
///   2  a filter expression (FilterExpression, then matched against records)
///   3  a mapping template (MappingTemplate, then evaluated against records)
/// Never a crash or a hang; a source file is accepted exactly when it has no problem (never dropped
/// silently, never accepted with one); an org file is never dropped without a problem.
enum FuzzConfig {
    static let file = URL(fileURLWithPath: "/nonexistent-xaas-fuzz/acme/hr.json")

    static let records = [
        SourceRecord(externalId: "u1", attributes: [.init("email", "ada@example.com"), .init("department", "Eng"),
                                                   .init("groups", "a"), .init("groups", "b"), .init("title", "")]),
        SourceRecord(kind: .user, externalId: "ü2", status: .inactive, attributes: [.init("email", "x"), .init("n", "12")]),
        SourceRecord(externalId: "u3"),
    ]

    static func object(_ bytes: [UInt8]) -> JSONValue? {
        guard let value = try? JSONValue.parse(bytes: bytes), case .object = value else { return nil }
        return value
    }

    /// Runs one input; returns what is wrong (nil: nothing).
    static func check(_ input: [UInt8]) -> String? {
        guard let selector = input.first else { return nil }
        let bytes = Array(input.dropFirst())
        switch selector % 4 {
        case 0: return source(bytes)
        case 1: return org(bytes)
        case 2: filter(String(decoding: bytes, as: UTF8.self))
        default: mapping(String(decoding: bytes, as: UTF8.self))
        }
        return nil
    }

    static func source(_ bytes: [UInt8]) -> String? {
        guard let json = object(bytes) else { return nil }
        var reader = ConfigReader(file: "acme/hr.json")
        let source = SourceConfig.read(json, tenant: "acme", name: "hr", file: file, reader: &reader)
        if (source == nil) != reader.hasProblems {
            return "SourceConfig.read: \(source == nil ? "nil without a problem" : "a source despite \(reader.problems)")"
        }
        if let source {
            for record in records {
                _ = source.filter?.matches(record)
                _ = source.mapping.profile(for: record)
            }
            _ = source.description
        }
        return nil
    }

    static func org(_ bytes: [UInt8]) -> String? {
        guard let json = object(bytes) else { return nil }
        var reader = ConfigReader(file: "acme/org.json")
        let org = OrgConfig.read(json, file: file, reader: &reader)
        if org == nil && !reader.hasProblems { return "OrgConfig.read: nil without a problem" }
        _ = org?.description
        return nil
    }

    static func filter(_ text: String) {
        guard let expression = try? FilterExpression(text) else { return }
        for record in records { _ = expression.matches(record) }
        _ = expression.description
    }

    static func mapping(_ text: String) {
        guard let template = try? MappingTemplate(text) else { return }
        for record in records { _ = template.evaluate(record) }
        _ = template.attributes
    }
}
