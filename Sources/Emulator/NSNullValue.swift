import Foundation

/// `NSNull()` for JSON output, in one place.
enum NSNullValue {
    static var null: Any { NSNull() }
}
