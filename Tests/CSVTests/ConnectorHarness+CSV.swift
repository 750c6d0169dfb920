import TestSupport

extension ConnectorHarness {
    /// Opens the CSV connector with `settings`.
    convenience init(settings: String) throws {
        try self.init(product: "CSVConnector", settings: settings)
    }
}
