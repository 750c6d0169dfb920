import XaasJSON

extension SourceConfig {
    /// Reads `safeguards.maxClearingUpdatePercent` and `safeguards.maxInvalidPercent` (0–100, or `null` = off).
    static func readChangeSafeguards(_ object: JSONValue, into safeguards: inout Safeguards, reader: inout ConfigReader) {
        func percent(_ key: String) -> Double?? {
            if object[key] == .null { return .some(nil) }
            return reader.double(object, key, at: "$.safeguards", range: 0...100).map { .some($0) }
        }
        if let value = percent("maxClearingUpdatePercent") { safeguards.maxClearingUpdatePercent = value }
        if let value = percent("maxInvalidPercent") { safeguards.maxInvalidPercent = value }
    }
}
