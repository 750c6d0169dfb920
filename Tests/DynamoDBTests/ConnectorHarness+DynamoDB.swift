import Foundation
import TestSupport

extension ConnectorHarness {
    /// Opens the DynamoDB connector with `settings`.
    convenience init(settings: String) throws {
        try self.init(product: "DynamoDBConnector", settings: settings)
    }

    /// Calls the plugin's test-only `xaas_dynamodb_sigv4_sign_for_test` export with `request` (JSON) and
    /// returns its JSON answer. (Not part of the ABI, so it is looked up with `dlsym` directly.)
    static func signForTest(_ request: String) throws -> String {
        let path = TestSupport.connectorLibrary("DynamoDBConnector").path
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL),
              let symbol = dlsym(handle, "xaas_dynamodb_sigv4_sign_for_test") else {
            throw CallError(status: -1, message: "no xaas_dynamodb_sigv4_sign_for_test in \(path)")
        }
        typealias Sign = @convention(c) (UnsafePointer<CChar>?, UnsafeMutablePointer<CChar>?, Int) -> Int
        let sign = unsafeBitCast(symbol, to: Sign.self)
        var buffer = [CChar](repeating: 0, count: 16_384)
        let count = request.withCString { sign($0, &buffer, buffer.count) }
        guard count >= 0, count < buffer.count else { throw CallError(status: -1, message: "signing hook returned \(count)") }
        return String(cString: buffer)
    }
}
