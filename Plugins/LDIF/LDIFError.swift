import PluginAPI
import PluginKit

/// An LDIF reading or mapping failure; becomes a ``ConnectorError`` at the ABI boundary.
///
/// Messages name the file, the line and (when known) the DN and attribute. They never contain
/// attribute values, which may be secrets.
struct LDIFError: Error, CustomStringConvertible {
    enum Kind { case sourceData, notFound, io, config, cancelled }
    var kind: Kind
    var message: String

    init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    var description: String { message }

    /// The error as the host sees it.
    var connectorError: ConnectorError {
        switch kind {
        case .sourceData: return .sourceData(message)
        case .notFound: return .notFound(message)
        case .io: return .transient(message)
        case .config: return .config(message)
        case .cancelled: return .cancelled(message)
        }
    }
}
