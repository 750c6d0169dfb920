/// A filter expression that does not parse: the 1-based column and what is wrong.
public struct FilterError: Error, Sendable, CustomStringConvertible, Equatable {
    public var expression: String
    /// 1-based column (in characters) in ``expression``.
    public var column: Int
    public var message: String

    public init(expression: String, column: Int, message: String) {
        self.expression = expression
        self.column = column
        self.message = message
    }

    /// `column 12: expected a "string" after ==`.
    public var description: String { "column \(column): \(message)" }
}
