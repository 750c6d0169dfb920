import Emulator
import Foundation
import HTTPServer
import Host
import TestSupport
import XaasJSON

/// The seed workshop's DynamoDB-behind-API-Gateway setup: a fake `GET /prod/items` returning a top-level
/// JSON array of plain items (`"active": true`, everything else strings), a real emulator on a loopback
/// port, and a config directory whose `dynamodb` source (mode `http`) syncs one into the other through
/// `xaas sync` subprocesses. Modelled on `Tests/SyncTests/EmulatorFixture.swift`.
final class WorkshopFixture: @unchecked Sendable {
    let emulator: Emulator
    let server: HTTPServer
    let gateway: HTTPServer
    let root: URL
    /// The items the gateway serves (JSON object texts).
    let items = Locked<[String]>([])
    var configDir: URL { root.appendingPathComponent("connectors.d") }
    var stateDir: URL { root.appendingPathComponent("state") }
    static let token = "e2e-token"
    static let sourceId = "0oaddb0000000000001"

    init() throws {
        var org = EmulatorConfiguration.Org(name: "acme", tokens: [Self.token], identitySources: [Self.sourceId])
        org.cooldownSeconds = 1
        org.processingDelayMs = 20
        emulator = try Emulator(configuration: EmulatorConfiguration(orgs: [org]))
        server = HTTPServer(handler: emulator)
        let port = try server.start()
        let items = self.items
        gateway = HTTPServer(handler: ClosureHandler { request in
            guard request.method == "GET", request.path == "/prod/items" else {
                return .json(404, #"{"message":"Not Found"}"#)
            }
            return .json(200, "[" + items.withLock { $0.joined(separator: ",") } + "]")
        })
        let gatewayPort = try gateway.start()
        root = try TestSupport.makeTemporaryDirectory("ddb-e2e")
        try FileManager.default.createDirectory(at: configDir.appendingPathComponent("acme"), withIntermediateDirectories: true)
        try write("acme/org.json", """
            {"url": "http://127.0.0.1:\(port)", "token": {"value": "\(Self.token)"}, "sessionCooldownSeconds": 1}
            """)
        // The workshop's field mapping (reference §10.2).
        try write("acme/items.json", """
            {"identitySourceId": "\(Self.sourceId)", "connector": "dynamodb",
             "settings": {"mode": "http", "endpoint": "http://127.0.0.1:\(gatewayPort)/prod/items", "externalId": "id",
                          "status": {"attribute": "active", "activeValues": ["true"]}},
             "mapping": {"userName": "${email}", "email": "${email}", "firstName": "${first_name}", "lastName": "${last_name}",
                         "mobilePhone": "${cell}", "primaryPhone": "${phone}", "title": "${title}", "city": "${city}",
                         "state": "${state}", "zipCode": "${postcode}", "countryCode": "${country}",
                         "streetAddress": "${street_number} ${street_name}", "displayName": "${first_name} ${last_name}"},
             "safeguards": {"maxDeactivationPercent": 20}}
            """)
    }

    deinit {
        gateway.stop()
        server.stop()
        emulator.shutdown()
    }

    func write(_ relative: String, _ text: String) throws {
        try text.write(to: configDir.appendingPathComponent(relative), atomically: true, encoding: .utf8)
    }

    /// Serves `users` from the fake gateway.
    func serve(_ users: [SampleUser]) { items.withLock { $0 = users.map(\.json) } }

    /// Runs `xaas sync --json`; returns the exit status and the single run's report.
    func sync(_ extra: [String] = []) throws -> (status: Int32, run: JSONValue?, stderr: String) {
        let result = try TestSupport.xaas(["sync", "--config", configDir.path, "--state", stateDir.path, "--json"] + extra)
        let run = (try? JSONValue.parse(result.stdout))?["runs"]?.arrayValue?.first
        return (result.status, run, result.stderr)
    }

    /// externalId → (status, profile) of every user in the emulated directory.
    func users() throws -> [String: (status: String, profile: [String: String])] {
        let response = emulator.handle(HTTPRequest(method: "GET", target: "/emulator/v1/orgs/acme/users"))
        var out: [String: (String, [String: String])] = [:]
        for u in try JSONValue.parse(bytes: response.body).arrayValue ?? [] {
            var profile: [String: String] = [:]
            for m in u["profile"]?.objectValue ?? [] { if let v = m.value.stringValue { profile[m.key] = v } }
            out[u["externalId"]?.stringValue ?? ""] = (u["status"]?.stringValue ?? "", profile)
        }
        return out
    }
}

/// One of the workshop's sample users, in the shape of the seed's `GET /items` item.
struct SampleUser {
    var id: String, active: Bool, title: String, first: String, last: String, streetNumber: String, streetName: String
    var city: String, state: String, country: String, postcode: String, phone: String, cell: String, dob: String

    var json: String {
        JSONValue.object([
            ("id", .string(id)), ("active", .bool(active)), ("title", .string(title)), ("first_name", .string(first)),
            ("last_name", .string(last)), ("street_number", .string(streetNumber)), ("street_name", .string(streetName)),
            ("city", .string(city)), ("state", .string(state)), ("country", .string(country)), ("postcode", .string(postcode)),
            ("email", .string(id)), ("phone", .string(phone)), ("cell", .string(cell)), ("dob", .string(dob)),
        ]).serialized
    }

    /// `count` users like the workshop's (`id` = email, every one active, non-ASCII names and places).
    static func make(_ count: Int) -> [SampleUser] {
        let firsts = ["Albert", "Zoë", "Çağla", "Søren", "Mélanie", "Jürgen", "Noa", "Ángel"]
        let lasts = ["Gambaro", "Müller", "Yılmaz", "Ødegaard", "Lefèvre", "Smith", "Kowalski", "Núñez"]
        let places = [("A Coruña", "Galicia", "ES"), ("Zürich", "Zürich", "CH"), ("İzmir", "İzmir", "TR"), ("Aarhus", "Midtjylland", "DK")]
        return (1...count).map { i in
            let first = firsts[i % firsts.count], last = lasts[(i / 3) % lasts.count], place = places[i % places.count]
            let email = "\(["albert", "zoe", "cagla", "soren", "melanie", "jurgen", "noa", "angel"][i % 8]).\(i)@example.com"
            return SampleUser(id: email, active: true, title: ["Mr", "Ms", "Mrs", "Miss"][i % 4], first: first, last: last,
                              streetNumber: "\(1000 + i * 7)", streetName: "Calle del Arenal", city: place.0, state: place.1,
                              country: place.2, postcode: String(15000 + i), phone: "973-093-\(100 + i)",
                              cell: "630-851-\(100 + i)", dob: "2000-11-05T21:22:37.049Z")
        }
    }
}
