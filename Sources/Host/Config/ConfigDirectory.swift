import Foundation
import XaasJSON

/// The configuration directory (`./connectors.d` by default): one folder per tenant (Okta org), each with
/// `org.json` and one `<source>.json` per identity source. Folders and files whose names start with `.`,
/// and sub-folders of tenant folders (e.g. `data/`, `secrets/`), are not config.
public struct ConfigDirectory: Sendable {
    /// The directory (absolute).
    public var path: URL
    /// The valid tenants, sorted by name. A tenant whose `org.json` has a problem is left out.
    public var tenants: [TenantConfig]
    /// The optional `xaas.json` (serve token, alerts).
    public var xaas = XaasConfig()

    public init(path: URL, tenants: [TenantConfig]) {
        self.path = path
        self.tenants = tenants
    }

    /// The default `--config`: `./connectors.d`.
    public static var defaultPath: URL {
        URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("connectors.d")
    }

    /// The default state directory: `<config>/../.xaas/`.
    public static func defaultStateDirectory(for configPath: URL) -> URL {
        configPath.standardizedFileURL.deletingLastPathComponent().appendingPathComponent(".xaas", isDirectory: true)
    }

    /// The tenant named `name`, if loaded.
    public func tenant(named name: String) -> TenantConfig? {
        tenants.first { $0.name == name }
    }

    /// Every loaded source of every tenant.
    public var sources: [SourceConfig] { tenants.flatMap(\.sources) }

    /// Loads every tenant and source under `path`. Keeps every valid tenant and source; returns every problem
    /// (file + JSON path + message), in a stable order.
    public static func load(_ path: URL) -> (ConfigDirectory, [ConfigProblem]) {
        let root = path.standardizedFileURL
        var problems: [ConfigProblem] = []
        var tenants: [TenantConfig] = []
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: root.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            problems.append(ConfigProblem(file: displayPath(root), jsonPath: "",
                                          message: "config directory not found (use --config DIR)"))
            return (ConfigDirectory(path: root, tenants: []), problems)
        }
        for entry in sortedEntries(root) {
            let url = root.appendingPathComponent(entry)
            if isFolder(url) {
                let (tenant, found) = loadTenant(url)
                problems += found
                if let tenant { tenants.append(tenant) }
            } else if entry == "xaas.json" {
                continue
            } else if entry.hasSuffix(".json") {
                problems.append(ConfigProblem(file: displayPath(url), jsonPath: "",
                                              message: "config files belong in a tenant folder: <config>/<tenant>/\(entry)"))
            }
        }
        let shared = SharedIdentitySourceCheck.apply(tenants)
        tenants = shared.tenants
        problems += shared.problems
        let (xaas, xaasProblems) = XaasConfig.load(root.appendingPathComponent("xaas.json"))
        problems += xaasProblems
        if tenants.isEmpty && problems.isEmpty {
            problems.append(ConfigProblem(file: displayPath(root), jsonPath: "",
                                          message: "no tenants: create <tenant>/org.json and <tenant>/<source>.json"))
        }
        var config = ConfigDirectory(path: root, tenants: tenants)
        config.xaas = xaas
        return (config, problems)
    }

    static func loadTenant(_ directory: URL) -> (TenantConfig?, [ConfigProblem]) {
        let name = directory.lastPathComponent
        var problems: [ConfigProblem] = []
        guard isValidName(name) else {
            return (nil, [ConfigProblem(file: displayPath(directory), jsonPath: "",
                                        message: "a tenant folder name may use letters, digits, '.', '-' and '_' only")])
        }
        let orgURL = directory.appendingPathComponent("org.json")
        var org: OrgConfig?
        if FileManager.default.fileExists(atPath: orgURL.path) {
            var reader = ConfigReader(file: displayPath(orgURL))
            if let json = reader.parseFile(orgURL) {
                org = OrgConfig.read(json, file: orgURL, reader: &reader)
            }
            problems += reader.problems
        } else {
            problems.append(ConfigProblem(file: displayPath(orgURL), jsonPath: "",
                                          message: "missing: every tenant folder needs an org.json (\"url\", \"token\")"))
        }
        var sources: [SourceConfig] = []
        var idsSeen: [String: String] = [:]
        for entry in sortedEntries(directory) where entry.hasSuffix(".json") && entry != "org.json" {
            let url = directory.appendingPathComponent(entry)
            guard !isFolder(url) else { continue }
            var reader = ConfigReader(file: displayPath(url))
            let stem = String(entry.dropLast(5))
            if !isValidName(stem) {
                reader.problem("", "a source file name may use letters, digits, '.', '-' and '_' only")
            } else if let json = reader.parseFile(url),
                      let source = SourceConfig.read(json, tenant: name, name: stem, file: url, reader: &reader) {
                if let other = idsSeen[source.identitySourceId] {
                    reader.problem("$.identitySourceId",
                                   "identity source \(source.identitySourceId) is already used by \(other).json in this tenant")
                } else {
                    idsSeen[source.identitySourceId] = stem
                    sources.append(source)
                }
            }
            problems += reader.problems
        }
        guard let org else { return (nil, problems) }
        return (TenantConfig(name: name, directory: directory, org: org, sources: sources), problems)
    }

    static func isValidName(_ name: String) -> Bool {
        name.range(of: #"^[A-Za-z0-9_][A-Za-z0-9._-]*$"#, options: .regularExpression) != nil
    }

    /// Visible entries of `directory`, sorted.
    static func sortedEntries(_ directory: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { !$0.hasPrefix(".") }
            .sorted()
    }

    static func isFolder(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// `text` as a file URL: absolute as is, relative against `directory`.
    static func resolve(_ text: String, against directory: URL) -> URL {
        if text.hasPrefix("/") { return URL(fileURLWithPath: text).standardizedFileURL }
        return directory.appendingPathComponent(text).standardizedFileURL
    }

    /// `url` for messages: relative to the working directory when below it, else absolute.
    static func displayPath(_ url: URL) -> String {
        let path = url.standardizedFileURL.path
        var cwd = FileManager.default.currentDirectoryPath
        if !cwd.hasSuffix("/") { cwd += "/" }
        return path.hasPrefix(cwd) ? String(path.dropFirst(cwd.count)) : path
    }
}
