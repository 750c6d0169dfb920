/// One problem found in the configuration directory: the file, the JSON path inside it and what is wrong.
///
/// Rendered as `connectors.d/acme/hr.json: $.mapping.userName: column 3: unknown function "lowr"`.
/// Messages never contain secret values.
public struct ConfigProblem: Error, Sendable, CustomStringConvertible, Equatable {
    /// The file as shown to the user (relative to the working directory when below it).
    public var file: String
    /// The JSON path of the offending value (`$`, `$.token.file`, `$.mapping.userName`), or empty when the
    /// problem concerns the whole file (e.g. it is missing or is not valid JSON).
    public var jsonPath: String
    /// What is wrong and, where possible, how to fix it.
    public var message: String

    public init(file: String, jsonPath: String, message: String) {
        self.file = file
        self.jsonPath = jsonPath
        self.message = message
    }

    public var description: String {
        jsonPath.isEmpty ? "\(file): \(message)" : "\(file): \(jsonPath): \(message)"
    }
}
