import Foundation
import Host
import Testing
import TestSupport

/// The shipped example `connectors.d/` (acme: the CSV workshop; globex: the C `static` connector).
@Suite struct ConfigExampleTests {
    static let example = TestSupport.packageRoot.appendingPathComponent("connectors.d")
    static let usersCSV = example.appendingPathComponent("acme/data/users.csv")

    @Test func loadsWithZeroProblems() throws {
        let (dir, problems) = ConfigDirectory.load(Self.example)
        #expect(problems == [])
        #expect(dir.tenants.map(\.name) == ["acme", "globex"])
        for tenant in dir.tenants { #expect(tenant.org.endpoint == .embedded && tenant.org.token == nil) }
        let hr = try #require(dir.tenant(named: "acme")?.source(named: "hr"))
        #expect(hr.connector == "csv")
        #expect(hr.mapping.profileAttributes == ["userName", "email", "firstName", "lastName", "displayName", "title",
                                                  "streetAddress", "city", "state", "zipCode", "countryCode",
                                                  "mobilePhone", "primaryPhone", "department"])
        #expect(hr.settingsJSON.contains(#""path":"\#(Self.usersCSV.standardizedFileURL.path)""#))
        #expect(hr.settingsJSON.contains(#""externalId":"id""#))
        #expect(hr.settingsJSON.contains(#""status":{"attribute":"active","activeValues":["true"]}"#))
        let staff = try #require(dir.tenant(named: "globex")?.source(named: "staff"))
        #expect(staff.connector == "static")
        #expect(staff.filter != nil)
        let lifecycle = try #require(hr.lifecycle)
        #expect(lifecycle.startDate?.text == "${hire_date}" && lifecycle.preHireDays == 7)
        #expect(lifecycle.timeZone.identifier == "America/New_York")
    }

    /// A quote-aware split of one CSV line (the example has no embedded newlines).
    static func fields(_ line: Substring) -> [String] {
        var out: [String] = [], field = "", quoted = false
        var chars = line.makeIterator()
        while let c = chars.next() {
            if quoted {
                if c == "\"" { quoted = false } else { field.append(c) }
            } else if c == "\"" {
                if !field.isEmpty { field.append("\"") }
                quoted = true
            } else if c == "," {
                out.append(field); field = ""
            } else {
                field.append(c)
            }
        }
        out.append(field)
        return out
    }

    @Test func sampleUsersAreVariedAndEveryRowMapsToAValidOktaUser() throws {
        let text = try String(contentsOf: Self.usersCSV, encoding: .utf8)
        let lines = text.split(separator: "\n")
        let header = Self.fields(lines[0])
        #expect(header == ["id", "active", "title", "first_name", "last_name", "street_number", "street_name", "city",
                           "state", "country", "postcode", "email", "phone", "cell", "dob", "department", "hire_date"])
        let rows = lines.dropFirst().map(Self.fields)
        #expect(rows.count == 100)
        #expect(rows.allSatisfy { $0.count == header.count })
        #expect(Set(rows.map { $0[0] }).count == 100)                          // unique externalIds
        #expect(Set(rows.map { $0[11] }).count == 100)                         // unique emails
        #expect(rows.contains { $0[1] == "false" } && rows.contains { $0[1] == "true" })
        #expect(rows.contains { $0[15] == "Okta Workflows" } && Set(rows.map { $0[15] }).count >= 4)
        #expect(rows.contains { !($0[3] + $0[4]).allSatisfy(\.isASCII) })
        // Every hire date reads as a day; exactly one is a future hire the lifecycle holds (the quickstart's pending).
        #expect(rows.allSatisfy { $0[16].range(of: #"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"#, options: .regularExpression) != nil })
        #expect(rows.filter { $0[16] > "2090" }.map { $0[0] } == ["emp-10100"])

        let (dir, _) = ConfigDirectory.load(Self.example)
        let hr = try #require(dir.tenant(named: "acme")?.source(named: "hr"))
        for row in rows {
            let record = SourceRecord(externalId: row[0], attributes: zip(header, row).map { SourceAttribute($0, $1) })
            let profile = hr.mapping.profile(for: record)
            #expect(Mapping.validate(externalId: record.externalId, profile: profile) == nil, "\(row[0])")
            let values = Dictionary(uniqueKeysWithValues: profile)
            #expect(values["userName"] == row[11] && values["email"] == row[11])
            #expect(values["displayName"] == "\(row[3]) \(row[4])")
            #expect(values["streetAddress"] == "\(row[5]) \(row[6])")
            #expect(values["zipCode"] == row[10] && values["countryCode"] == row[9])
            #expect(values["mobilePhone"] == row[13] && values["primaryPhone"] == row[12])
        }
    }

    @Test func globexStaticRecordsMapToValidUsers() throws {
        let (dir, _) = ConfigDirectory.load(Self.example)
        let staff = try #require(dir.tenant(named: "globex")?.source(named: "staff"))
        let settings = try #require(try JSONSerialization.jsonObject(with: Data(staff.settingsJSON.utf8)) as? [String: Any])
        let all = try #require(settings["records"] as? [[String: Any]])
        // The static connector also emits one group and its membership (the ABI path for groups).
        #expect(all.filter { $0["kind"] as? String == "group" }.count == 1)
        let records = all.filter { $0["kind"] as? String == "user" }
        #expect(records.count == 3)
        for r in records {
            let attributes = try #require(r["attributes"] as? [String: String])
            let record = SourceRecord(externalId: try #require(r["externalId"] as? String),
                                      attributes: attributes.sorted { $0.key < $1.key }.map { SourceAttribute($0.key, $0.value) })
            #expect(try #require(staff.filter).matches(record))
            let profile = staff.mapping.profile(for: record)
            #expect(Mapping.validate(externalId: record.externalId, profile: profile) == nil)
            #expect(profile.first { $0.0 == "email" }?.1 == attributes["mail"]?.lowercased())
        }
    }

    @Test(.enabled(if: TestSupport.python(with: ["csv", "unicodedata"]) != nil, "python3 not installed"))
    func sampleUsersScriptIsDeterministic() throws {
        let script = TestSupport.packageRoot.appendingPathComponent("scripts/make-sample-users.py")
        let result = try TestSupport.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", script.path, "--out", "-"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdoutData == (try Data(contentsOf: Self.usersCSV)))
    }
}
