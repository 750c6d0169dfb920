import Foundation

/// Reads an ``EmulatorConfiguration`` from parsed JSON, naming the JSON path in every error.
struct EmulatorConfigReader {
    let root: Any

    func fail(_ location: String, _ message: String) -> EmulatorConfigurationError {
        EmulatorConfigurationError(location: location, message: message)
    }

    func object(_ value: Any, _ location: String, allowed: Set<String>) throws -> [String: Any] {
        guard let dict = value as? [String: Any] else { throw fail(location, "expected an object") }
        for key in dict.keys.sorted() where !allowed.contains(key) {
            let at = location.isEmpty ? key : "\(location).\(key)"
            throw fail(at, "unknown setting (allowed: \(allowed.sorted().joined(separator: ", ")))")
        }
        return dict
    }

    func string(_ value: Any, _ location: String) throws -> String {
        guard let s = value as? String else { throw fail(location, "expected a string") }
        return s
    }

    /// A JSON number (`1`, `0.5`, `1.0`, `0.0`); `true`/`false` and strings are refused. On Linux a JSON
    /// boolean is an `NSNumber` of ObjC type `c` while `1.0` is an `NSNumber` that also casts to `Bool`, so
    /// the type code decides (casting to `Bool` refused `1.0` and `0.0`).
    func number(_ value: Any, _ location: String) throws -> Double {
        guard !(value is String), let n = value as? NSNumber, !Self.isBoolean(n) else {
            throw fail(location, "expected a number")
        }
        return n.doubleValue
    }

    static func isBoolean(_ n: NSNumber) -> Bool {
        String(describing: type(of: n)).contains("Boolean") || String(cString: n.objCType) == "c"
    }

    func integer(_ value: Any, _ location: String, min: Int = 0) throws -> Int {
        let d = try number(value, location)
        guard d == d.rounded(), d >= Double(min), d < 1e15 else { throw fail(location, "expected an integer ≥ \(min)") }
        return Int(d)
    }

    func probability(_ value: Any, _ location: String) throws -> Double {
        let d = try number(value, location)
        guard d >= 0, d <= 1 else { throw fail(location, "expected a probability between 0 and 1") }
        return d
    }

    func bool(_ value: Any, _ location: String) throws -> Bool {
        guard let b = value as? Bool else { throw fail(location, "expected true or false") }
        return b
    }

    func strings(_ value: Any, _ location: String) throws -> [String] {
        guard let array = value as? [Any] else { throw fail(location, "expected an array of strings") }
        return try array.enumerated().map { try string($1, "\(location)[\($0)]") }
    }

    func read() throws -> EmulatorConfiguration {
        let top = try object(root, "", allowed: ["orgs", "clock", "seed", "startTime", "clockSkewSeconds"])
        var config = EmulatorConfiguration(orgs: [])
        if let clock = top["clock"] {
            switch try string(clock, "clock") {
            case "system": config.manualClock = false
            case "manual": config.manualClock = true
            default: throw fail("clock", "expected \"system\" or \"manual\"")
            }
        }
        if let seed = top["seed"] { config.seed = UInt64(try integer(seed, "seed")) }
        if let start = top["startTime"] { config.startTime = try number(start, "startTime") }
        if let skew = top["clockSkewSeconds"] { config.clockSkewSeconds = try number(skew, "clockSkewSeconds") }
        guard let orgs = top["orgs"] as? [Any], !orgs.isEmpty else { throw fail("orgs", "expected a non-empty array of orgs") }
        var owner: [String: String] = [:]
        var names: Set<String> = []
        for (i, raw) in orgs.enumerated() {
            let org = try readOrg(raw, "orgs[\(i)]")
            guard names.insert(org.name).inserted else { throw fail("orgs[\(i)].name", "duplicate org name '\(org.name)'") }
            for (t, token) in org.tokens.enumerated() {
                if let other = owner[token] {
                    throw fail("orgs[\(i)].tokens[\(t)]", "this token already belongs to org '\(other)'; a token belongs to one org")
                }
                owner[token] = org.name
            }
            config.orgs.append(org)
        }
        return config
    }

    // swiftlint:disable:next function_body_length
    func readOrg(_ raw: Any, _ at: String) throws -> EmulatorConfiguration.Org {
        let keys: Set<String> = [
            "name", "tokens", "identitySources", "rateLimit", "cooldownSeconds", "sessionGate", "processingDelayMs",
            "expirySeconds", "faults", "limits", "unknownSessionStatus", "allowTriggerFromCreated", "nonStringValues",
            "requiredOnCreate", "missingRequired", "entityTypeErrorCode", "createSessionStatus", "deleteEntityStatus",
            "listSessionsIncludesInactive", "duplicates", "sessionGateErrorSummary", "serviceApps", "accessTokenSeconds",
            "resourceDPoPNonce", "resourceDPoPNonceSeconds",
        ]
        let o = try object(raw, at, allowed: keys)
        guard let nameValue = o["name"] else { throw fail("\(at).name", "missing (every org needs a name)") }
        let name = try string(nameValue, "\(at).name")
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw fail("\(at).name", "expected letters, digits, '-' or '_'")
        }
        var org = EmulatorConfiguration.Org(name: name, tokens: [], identitySources: [])
        if let tokens = o["tokens"] as? [Any] {
            for (i, t) in tokens.enumerated() {
                if let s = t as? String {
                    org.tokenScopes.append(.init(s))
                } else {
                    let to = try object(t, "\(at).tokens[\(i)]", allowed: ["value", "scopes"])
                    guard let v = to["value"] else { throw fail("\(at).tokens[\(i)].value", "missing") }
                    let scopes = try to["scopes"].map { try strings($0, "\(at).tokens[\(i)].scopes") }
                    org.tokenScopes.append(.init(try string(v, "\(at).tokens[\(i)].value"), scopes: scopes))
                }
            }
        } else if o["tokens"] != nil {
            throw fail("\(at).tokens", "expected an array of tokens")
        }
        if let v = o["identitySources"] { org.identitySources = try strings(v, "\(at).identitySources") }
        if let v = o["rateLimit"] {
            if v is NSNull {
                org.rateLimitPerMinute = nil
            } else {
                let rl = try object(v, "\(at).rateLimit", allowed: ["perMinute"])
                org.rateLimitPerMinute = try rl["perMinute"].map { try integer($0, "\(at).rateLimit.perMinute", min: 1) }
            }
        }
        if let v = o["cooldownSeconds"] { org.cooldownSeconds = try number(v, "\(at).cooldownSeconds") }
        if let v = o["sessionGate"] {
            guard let gate = EmulatorConfiguration.SessionGate(rawValue: try string(v, "\(at).sessionGate")) else {
                throw fail("\(at).sessionGate", "expected \"activeOnly\", \"sinceTrigger\" or \"both\"")
            }
            org.sessionGate = gate
        }
        if let v = o["processingDelayMs"] { org.processingDelayMs = try integer(v, "\(at).processingDelayMs") }
        if let v = o["expirySeconds"] { org.expirySeconds = try number(v, "\(at).expirySeconds") }
        if let v = o["faults"] { org.faults = try readFaults(v, "\(at).faults") }
        if let v = o["limits"] {
            let l = try object(v, "\(at).limits", allowed: ["maxItems", "maxBytes", "maxRequestsPerSession", "errorStatus"])
            if let x = l["maxItems"] { org.maxItems = try integer(x, "\(at).limits.maxItems", min: 1) }
            if let x = l["maxBytes"] { org.maxBytes = try integer(x, "\(at).limits.maxBytes", min: 1) }
            if let x = l["maxRequestsPerSession"] {
                org.maxRequestsPerSession = try integer(x, "\(at).limits.maxRequestsPerSession", min: 1)
            }
            if let x = l["errorStatus"] { org.limitErrorStatus = try status(x, "\(at).limits.errorStatus") }
        }
        if let v = o["unknownSessionStatus"] { org.unknownSessionStatus = try status(v, "\(at).unknownSessionStatus") }
        if let v = o["allowTriggerFromCreated"] { org.allowTriggerFromCreated = try bool(v, "\(at).allowTriggerFromCreated") }
        if let v = o["nonStringValues"] {
            org.rejectNonStringAtUpload = try choice(v, "\(at).nonStringValues", ["rejectUpload", "failImport"]) == "rejectUpload"
        }
        if let v = o["requiredOnCreate"] { org.requiredOnCreate = try strings(v, "\(at).requiredOnCreate") }
        if let v = o["missingRequired"] {
            org.missingRequiredFailsSession = try choice(v, "\(at).missingRequired", ["skipRecord", "sessionError"]) == "sessionError"
        }
        if let v = o["entityTypeErrorCode"] { org.entityTypeErrorCode = try string(v, "\(at).entityTypeErrorCode") }
        if let v = o["createSessionStatus"] { org.createSessionStatus = try status(v, "\(at).createSessionStatus") }
        if let v = o["deleteEntityStatus"] { org.deleteEntityStatus = try status(v, "\(at).deleteEntityStatus") }
        if let v = o["listSessionsIncludesInactive"] {
            org.listSessionsIncludesInactive = try bool(v, "\(at).listSessionsIncludesInactive")
        }
        if let v = o["duplicates"] { org.rejectDuplicates = try choice(v, "\(at).duplicates", ["lastWins", "error"]) == "error" }
        if let v = o["sessionGateErrorSummary"] { org.sessionGateErrorSummary = try string(v, "\(at).sessionGateErrorSummary") }
        if let v = o["serviceApps"] { org.serviceApps = try readServiceApps(v, "\(at).serviceApps") }
        if let v = o["accessTokenSeconds"] { org.accessTokenSeconds = Double(try integer(v, "\(at).accessTokenSeconds", min: 1)) }
        if let v = o["resourceDPoPNonce"] { org.resourceDPoPNonce = try bool(v, "\(at).resourceDPoPNonce") }
        if let v = o["resourceDPoPNonceSeconds"] {
            org.resourceDPoPNonceSeconds = Double(try integer(v, "\(at).resourceDPoPNonceSeconds"))
        }
        return org
    }

    func status(_ value: Any, _ at: String) throws -> Int {
        let s = try integer(value, at, min: 100)
        guard s <= 599 else { throw fail(at, "expected an HTTP status code") }
        return s
    }

    func choice(_ value: Any, _ at: String, _ options: [String]) throws -> String {
        let s = try string(value, at)
        guard options.contains(s) else { throw fail(at, "expected one of \(options.map { "\"\($0)\"" }.joined(separator: ", "))") }
        return s
    }

    func readFaults(_ raw: Any, _ at: String) throws -> EmulatorConfiguration.Faults {
        let f = try object(raw, at, allowed: [
            "error500", "error503", "storm429", "stormLength", "drop", "sessionError", "latencyMs", "routeLatencyMs",
            "appliedLost",
        ])
        var faults = EmulatorConfiguration.Faults()
        if let v = f["error500"] { faults.error500 = try probability(v, "\(at).error500") }
        if let v = f["error503"] { faults.error503 = try probability(v, "\(at).error503") }
        if let v = f["storm429"] { faults.storm429 = try probability(v, "\(at).storm429") }
        if let v = f["stormLength"] { faults.stormLength = try integer(v, "\(at).stormLength", min: 1) }
        if let v = f["drop"] { faults.drop = try probability(v, "\(at).drop") }
        if let v = f["appliedLost"] { faults.appliedLost = try probability(v, "\(at).appliedLost") }
        if let v = f["sessionError"] { faults.sessionError = try probability(v, "\(at).sessionError") }
        if let v = f["latencyMs"] { faults.latencyMs = try integer(v, "\(at).latencyMs") }
        if let v = f["routeLatencyMs"] {
            guard let map = v as? [String: Any] else { throw fail("\(at).routeLatencyMs", "expected an object") }
            for (k, x) in map { faults.routeLatencyMs[k] = try integer(x, "\(at).routeLatencyMs.\(k)") }
        }
        return faults
    }
}
