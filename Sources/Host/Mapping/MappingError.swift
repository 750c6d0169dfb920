/// A mapping template that does not parse: which attribute, the template, the 1-based column and what is wrong.
public struct MappingError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The target profile attribute (empty when the template was parsed on its own).
    public var attribute: String
    public var template: String
    /// 1-based column (in characters) in ``template``.
    public var column: Int
    public var message: String

    public init(attribute: String = "", template: String, column: Int, message: String) {
        self.attribute = attribute
        self.template = template
        self.column = column
        self.message = message
    }

    /// `column 7: unknown function "lowr" (…)`.
    public var positionedMessage: String { "column \(column): \(message)" }

    /// `mapping "email": column 7: …` (or without the attribute when unknown).
    public var description: String {
        attribute.isEmpty ? "template \"\(template)\": \(positionedMessage)"
            : "mapping \"\(attribute)\": \(positionedMessage)"
    }
}
