import Foundation

/// The data `xaas bench` generates for itself, deterministic for a given size (no randomness): a
/// workshop-shaped CSV (the 16 columns of `connectors.d/acme/data/users.csv`, CRLF line ends, some quoted
/// fields with commas and doubled quotes) and a slapcat-shaped LDIF export.
///
/// - Every 50th user (index ≡ 7 mod 50) is inactive (`active` = `false`).
/// - With a change rate `p` > 0, the users whose index is a multiple of `⌊1/p⌉` get another title, so a
///   re-sync after it has exactly that many updates (minus the inactive ones, of which there are none: 7 is
///   never a multiple of a step ≥ 2).
enum BenchData {
    static let csvHeader = "id,active,title,first_name,last_name,street_number,street_name,city,state,country,postcode,email,phone,cell,dob,department"
    private static let titles = ["Mr", "Mrs", "Ms", "Dr", "Prof"]
    private static let first = ["Ingrid", "Priya", "Jürgen", "Amélie", "Kenji", "Olu", "Sofía", "Liam", "Zoë", "Mateo",
                                "Aiko", "Noah", "Fatima", "Lars", "Chloé", "Rahul"]
    private static let last = ["O'Brien", "Martin", "Müller", "Dubois", "Tanaka", "Adeyemi", "García", "Smith",
                               "Nowak", "Rossi", "Kowalski", "Jensen", "Silva", "Kim", "Novák", "Haddad"]
    private static let places: [(street: String, city: String, state: String, country: String)] = [
        ("ulica Floriańska", "Kraków", "Małopolskie", "PL"), ("Maximilianstraße", "München", "Bayern", "DE"),
        ("Rue de la Paix, Bât. B", "Paris", "Île-de-France", "FR"), ("Baker Street", "London", "Greater London", "GB"),
        ("Via Roma", "Torino", "Piemonte", "IT"), ("5th \"Fifth\" Avenue", "New York", "NY", "US"),
    ]
    private static let departments = ["Finance", "Support", "Engineering", "Sales", "Marketing", "Legal", "HR", "Operations"]

    /// The change step for rate `p` (0 = no change).
    static func changeStep(_ p: Double) -> Int { p > 0 ? max(1, Int((1 / p).rounded())) : 0 }

    /// Whether user `i` is inactive.
    static func inactive(_ i: Int) -> Bool { i % 50 == 7 }

    /// Writes `users` rows to `url`; with `changeRate` > 0 a fraction of the users has another title; with
    /// `groups` > 0 a 17th column, `groups`, lists each user's groups (``groupNames(ofUser:groups:)``).
    static func writeCSV(to url: URL, users: Int, changeRate: Double = 0, groups: Int = 0) throws {
        let step = changeStep(changeRate)
        try write(to: url) { out in
            out.append(csvHeader + (groups > 0 ? ",groups" : "") + "\r\n")
            for i in 0..<users {
                let place = places[i % places.count]
                let title = step > 0 && i % step == 0 ? "Changed" : titles[i % titles.count]
                let f = first[i % first.count], l = last[(i / first.count) % last.count]
                let email = "user\(i).\(l.lowercased().filter { $0.isLetter && $0.isASCII })@example.com"
                let fields = [userId(i), inactive(i) ? "false" : "true", title, f, l, String(1 + i % 9999),
                              place.street, place.city, place.state, place.country, pad(10000 + (i * 37) % 90000, 5),
                              email, "0\(pad(i % 1_000_000_000, 9))", "0\(pad((i * 7) % 1_000_000_000, 9))",
                              "19\(50 + i % 50)-0\(1 + i % 9)-1\(i % 10)T00:00:00.000Z",
                              departments[i % departments.count]]
                    + (groups > 0 ? [groupNames(ofUser: i, groups: groups).joined(separator: ";")] : [])
                out.append(fields.map(quoted).joined(separator: ",") + "\r\n")
            }
        }
    }

    /// Writes a slapcat-shaped export: `users` inetOrgPerson entries (entryUUID, slapd's operational
    /// attributes, a folded description, every 10th cn base64 and non-ASCII) and `groups` groupOfNames
    /// entries of up to 1,000 members each.
    static func writeLDIF(to url: URL, users: Int, groups: Int) throws {
        let base = "dc=example,dc=com"
        try write(to: url) { out in
            out.append("dn: \(base)\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\n\n")
            out.append("dn: ou=people,\(base)\nobjectClass: organizationalUnit\nou: people\n\n")
            for i in 0..<users {
                let uid = "u\(pad(i, 7))"
                let cn = i % 10 == 0 ? "cn:: " + Data("Jürgen Müller \(i)".utf8).base64EncodedString() : "cn: User Number \(i)"
                let description = "Employee \(i) of the example company, working in department \(i % 97) on floor \(i % 13), desk \(i)"
                let folded = String(description.prefix(64)) + "\n " + String(description.dropFirst(64))
                out.append("""
                    dn: uid=\(uid),ou=people,\(base)
                    objectClass: inetOrgPerson
                    uid: \(uid)
                    \(cn)
                    sn: Number\(i)
                    givenName: User
                    mail: \(uid)@example.com
                    employeeNumber: \(i)
                    description: \(folded)
                    structuralObjectClass: inetOrgPerson
                    entryUUID: \(uuid(i + 1))
                    creatorsName: cn=admin,\(base)
                    createTimestamp: 20261122000000Z
                    entryCSN: 20261122000000.000000Z#\(String(i % 0xffffff, radix: 16))#000#000000
                    modifiersName: cn=admin,\(base)
                    modifyTimestamp: 20261122000000Z


                    """)
            }
            guard groups > 0, users > 0 else { return }
            out.append("dn: ou=groups,\(base)\nobjectClass: organizationalUnit\nou: groups\n\n")
            for g in 0..<groups {
                out.append("dn: cn=group\(g),ou=groups,\(base)\nobjectClass: groupOfNames\ncn: group\(g)\nentryUUID: \(uuid(1_000_000_000 + g))\n")
                var members = Set<Int>()
                for k in 0..<min(1000, users) { members.insert((g * 7919 + k * 104_729) % users) }
                for m in members.sorted() { out.append("member: uid=u\(pad(m, 7)),ou=people,\(base)\n") }
                out.append("\n")
            }
        }
    }

    // MARK: Groups of the CSV

    /// The groups user `i` is in, out of `groups`: `g<i mod G>` and, when it differs, `g<(7i + 3) mod G>`
    /// (so groups have about 2 × users ÷ G members each and most users are in two).
    static func groupNames(ofUser i: Int, groups: Int) -> [String] {
        let first = i % groups, second = (i &* 7 &+ 3) % groups
        return first == second ? [groupName(first)] : [groupName(first), groupName(second)]
    }

    static func groupName(_ g: Int) -> String { "g\(pad(g, 5))" }

    /// The externalId of user `i` in the generated CSV.
    static func userId(_ i: Int) -> String { "u\(pad(i, 7))" }

    // MARK: Helpers

    private static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    private static func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    private static func uuid(_ n: Int) -> String {
        let hex = String(n, radix: 16)
        let h = String(repeating: "0", count: 32 - hex.count) + hex
        let c = Array(h)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(c[$0]) }.joined(separator: "-")
    }

    /// Streams text into `url` through a 1 MiB buffer (the whole file is never in memory).
    private static func write(to url: URL, _ body: (inout BufferedText) throws -> Void) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil),
              let handle = FileHandle(forWritingAtPath: url.path) else {
            throw BenchError("\(url.path): cannot create the bench data file (check that its directory exists and is writable)")
        }
        defer { try? handle.close() }
        var out = BufferedText(handle: handle)
        try body(&out)
        out.flush()
    }

    struct BufferedText {
        let handle: FileHandle
        var buffer: [UInt8] = []

        mutating func append(_ text: String) {
            buffer.append(contentsOf: text.utf8)
            if buffer.count >= 1 << 20 { flush() }
        }

        mutating func flush() {
            handle.write(Data(buffer))
            buffer.removeAll(keepingCapacity: true)
        }
    }
}
