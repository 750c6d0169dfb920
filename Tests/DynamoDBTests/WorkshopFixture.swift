import Foundation
import HTTPServer
import SyncTestSupport
import XaasJSON

/// The seed workshop's DynamoDB-behind-API-Gateway setup: a fake `GET /prod/items` returning a top-level
/// JSON array of plain items (`"active": true`, everything else strings), the shared emulator fixture, and a
/// `dynamodb` source (mode `http`) that `xaas sync` subprocesses sync from the one into the other.
final class WorkshopFixture: EmulatorSyncFixture, @unchecked Sendable {
    let gateway: HTTPServer
    /// The items the gateway serves (JSON object texts).
    let items: Locked<[String]>
    static let token = "e2e-token"
    static let sourceId = "0oaddb0000000000001"

    init() throws {
        let items = Locked<[String]>([])
        self.items = items
        gateway = HTTPServer(handler: ClosureHandler { request in
            guard request.method == "GET", request.path == "/prod/items" else {
                return .json(404, #"{"message":"Not Found"}"#)
            }
            return .json(200, "[" + items.withLock { $0.joined(separator: ",") } + "]")
        })
        let gatewayPort = try gateway.start()
        try super.init(orgs: [EmulatorSyncFixture.org(token: Self.token, identitySources: [Self.sourceId])],
                       directoryPrefix: "ddb-e2e")
        try writeOrg(token: Self.token)
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

    deinit { gateway.stop() }

    /// Serves `users` from the fake gateway.
    func serve(_ users: [SampleUser]) { items.withLock { $0 = users.map(\.json) } }
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
