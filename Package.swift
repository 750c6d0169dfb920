// swift-tools-version: 6.0
// xaas — sync identities from any source of truth into Okta through the Identity Sources (XaaS) API.
// No package dependencies: the Swift toolchain and system C libraries (SQLite) only.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

/// A connector shipped with xaas: a dynamic library product whose `.so` lands beside the `xaas` binary.
/// `extraDependencies` adds modules only this connector needs (e.g. `XaasCrypto` for AWS signing).
func connector(_ name: String, path: String, swift: Bool = true,
               extraDependencies: [Target.Dependency] = []) -> (Product, Target) {
    let product = Product.library(name: name, type: .dynamic, targets: [name])
    let target: Target = swift
        ? .target(name: name, dependencies: ["PluginAPI", "PluginKit", "XaasJSON", "XaasText"] + extraDependencies, path: path,
                  swiftSettings: swiftSettings)
        : .target(name: name, dependencies: ["PluginAPI"], path: path,
                  cSettings: [.unsafeFlags(["-std=c11", "-Wall", "-Wextra", "-fvisibility=hidden"])])
    return (product, target)
}

let connectors = [
    connector("CSVConnector", path: "Plugins/CSV"),
    connector("LDIFConnector", path: "Plugins/LDIF"),
    connector("DynamoDBConnector", path: "Plugins/DynamoDB", extraDependencies: ["XaasCrypto"]),
    connector("GraphConnector", path: "Plugins/Graph"),
    connector("StaticConnector", path: "Plugins/Static", swift: false),
]

func testTarget(_ name: String, _ dependencies: [Target.Dependency], exclude: [String] = []) -> Target {
    .testTarget(name: name, dependencies: dependencies + ["TestSupport"], exclude: exclude, swiftSettings: swiftSettings)
}

let package = Package(
    name: "xaas",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "xaas", targets: ["xaas"]),
    ] + connectors.map(\.0),
    targets: [
        // The stable C ABI: one header, nothing else.
        .target(name: "PluginAPI", path: "Sources/PluginAPI"),
        // Swift glue for writing connectors against the C ABI.
        .target(name: "PluginKit", dependencies: ["PluginAPI", "XaasJSON", "RuntimeInfo", "XaasSecrets", "XaasText"], swiftSettings: swiftSettings),
        // The toolchain identity a Swift plugin and the host must share (one definition for both).
        .target(name: "RuntimeInfo", swiftSettings: swiftSettings),
        // A strict JSON parser/serialiser that keeps number text exact (shared by host and plugins).
        .target(name: "XaasJSON", swiftSettings: swiftSettings),
        // SHA-256 and HMAC-SHA256 (shared by host and plugins); JOSE keys, signatures and randomness via libcrypto.
        .target(name: "XaasCrypto", dependencies: ["COpenSSL"], swiftSettings: swiftSettings),
        // Percent-encoding and decoding, one function per variant, and the loopback / https-only URL rule
        // (shared by host, emulator, HTTP server and plugins).
        .target(name: "XaasText", swiftSettings: swiftSettings),
        // The `{"command": [...]}` secret form: runs a program without a shell, with a timeout (host and PluginKit).
        .target(name: "XaasSecrets", swiftSettings: swiftSettings),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite"),
        // The one SQLite wrapper (typed values, busy retry): host state and the emulator's state file.
        .target(name: "XaasSQLite", dependencies: ["CSQLite"], swiftSettings: swiftSettings),
        // PostgreSQL's client library (libpq-dev): the shared state backend of several `xaas serve` hosts.
        .systemLibrary(name: "CLibPQ", path: "Sources/CLibPQ"),
        // OpenSSL 3 libcrypto (libssl-dev): RSA/EC keys, signatures, random bytes.
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL"),
        // A small HTTP/1.1 server on POSIX sockets (emulator, metrics, test fakes).
        .target(name: "HTTPServer", dependencies: ["XaasText"], swiftSettings: swiftSettings),
        // The Okta XaaS emulator.
        .target(name: "Emulator", dependencies: ["HTTPServer", "XaasSQLite", "XaasCrypto", "XaasText"], swiftSettings: swiftSettings),
        // The host library: plugin loading, config, Okta client, sync engine, commands.
        // It does not link the emulator: it reaches one through `InProcessOktaLauncher`, installed at startup.
        .target(name: "Host", dependencies: ["PluginAPI", "XaasJSON", "RuntimeInfo", "XaasSQLite", "HTTPServer",
                                           "XaasCrypto", "XaasText", "XaasSecrets", "CLibPQ"],
                swiftSettings: swiftSettings),
        // The emulator wired into the host: embedded orgs, `xaas bench`, the `xaas emulator` command.
        .target(name: "EmbeddedEmulator", dependencies: ["Host", "Emulator", "HTTPServer"], swiftSettings: swiftSettings),
        // Thin @main.
        .executableTarget(name: "xaas", dependencies: ["Host", "EmbeddedEmulator"], swiftSettings: swiftSettings),

        // Test helpers shared by the test targets (paths of built products, subprocesses, temp dirs, and a
        // connector harness that drives a built .so through the raw C ABI).
        .target(name: "TestSupport", dependencies: ["PluginAPI"], path: "Tests/TestSupport", swiftSettings: swiftSettings),
        // Fixtures shared by the sync-area test targets, Graph and DynamoDB: the in-process emulator + config dir +
        // `xaas sync` fixture (single- and multi-org), a config-dir fixture, a fake import target, a `serve` process.
        .target(name: "SyncTestSupport", dependencies: ["Emulator", "HTTPServer", "Host", "XaasJSON", "TestSupport"],
                path: "Tests/SyncTestSupport", swiftSettings: swiftSettings),
        testTarget("PluginKitTests", ["PluginKit", "XaasJSON", "HTTPServer", "XaasSecrets"]),
        testTarget("XaasTextTests", ["XaasText"]),
        testTarget("XaasCryptoTests", ["XaasCrypto"]),
        testTarget("PluginHostTests", ["Host", "PluginAPI", "PluginKit", "XaasJSON", "RuntimeInfo"]),
        testTarget("CSVTests", ["Host"]),
        // interop/ holds the slapd/python-ldap scripts the tests run (not sources).
        .testTarget(name: "LDIFTests", dependencies: ["Host", "PluginAPI", "TestSupport"], exclude: ["interop"],
                    swiftSettings: swiftSettings),
        testTarget("HTTPServerTests", ["HTTPServer", "TestSupport"]),
        testTarget("EmulatorTests", ["Emulator", "HTTPServer", "Host", "XaasCrypto"], exclude: ["interop"]),
        testTarget("XaasJSONTests", ["XaasJSON"]),
        // The sync area, one target per folder of Sources/Host: the engine end to end (SyncTests), config,
        // mapping/filter, lifecycle, serve (scheduler, status page, alerts), workers, groups, rate limits.
        testTarget("SyncTests", ["Host", "Emulator", "EmbeddedEmulator", "HTTPServer", "SyncTestSupport", "XaasCrypto", "XaasJSON"]),
        testTarget("ConfigTests", ["Host", "SyncTestSupport"]),
        testTarget("MappingTests", ["Host", "XaasJSON", "TestSupport"]),
        testTarget("LifecycleTests", ["Host", "SyncTestSupport", "XaasJSON"]),
        testTarget("ServeTests", ["Host", "Emulator", "HTTPServer", "SyncTestSupport", "XaasCrypto", "XaasJSON"]),
        testTarget("WorkerTests", ["Host", "Emulator", "SyncTestSupport", "XaasJSON"]),
        testTarget("GroupSyncTests", ["Host", "SyncTestSupport", "XaasJSON"]),
        testTarget("RateLimitTests", ["Host", "Emulator", "HTTPServer", "SyncTestSupport", "XaasJSON"]),
        testTarget("OktaClientTests", ["Host", "Emulator", "HTTPServer", "XaasCrypto"]),
        testTarget("DynamoDBTests", ["Host", "HTTPServer", "SyncTestSupport"], exclude: ["interop"]),
        testTarget("GraphTests", ["Host", "HTTPServer", "SyncTestSupport"]),
        testTarget("PostgresTests", ["Host", "Emulator", "SyncTestSupport", "XaasJSON"]),
        testTarget("ReliabilityTests", ["Host", "XaasJSON", "Emulator", "HTTPServer", "SyncTestSupport"]),
    ] + connectors.map(\.1)
)
