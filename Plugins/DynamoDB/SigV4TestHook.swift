import XaasJSON

/// A test-only export (not part of the plugin ABI): signs a request described as JSON with this plugin's
/// ``SigV4Signer`` so that tests can check it against the public SigV4 test vectors through the `.so`.
///
/// Input (`request_json`, NUL-terminated): `{"method", "path", "query", "headers": [[name, value], …],
/// "body", "accessKeyId", "secretAccessKey", "sessionToken"?, "region", "service", "date": epochSeconds}`.
/// Output: `{"canonicalRequest", "stringToSign", "authorization", "headers": [[name, value], …]}` written
/// NUL-terminated into the caller's `out` buffer of `capacity` bytes. Returns the output length without
/// the NUL (the output is complete only when it is below `capacity`), or -1 for malformed input.
///
/// Ownership: both buffers belong to the caller. Threading: thread-safe (pure function).
@c(xaas_dynamodb_sigv4_sign_for_test)
public func xaasDynamoDBSigV4SignForTest(_ requestJSON: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<CChar>?,
                                         _ capacity: Int) -> Int {
    guard let requestJSON, let json = try? JSONValue.parse(String(cString: requestJSON)),
          let method = json["method"]?.stringValue, let path = json["path"]?.stringValue,
          let region = json["region"]?.stringValue, let service = json["service"]?.stringValue,
          let key = json["accessKeyId"]?.stringValue, let secret = json["secretAccessKey"]?.stringValue,
          let date = json["date"]?.intValue else { return -1 }
    var headers: [(name: String, value: String)] = []
    for pair in json["headers"]?.arrayValue ?? [] {
        guard let p = pair.arrayValue, p.count == 2, let n = p[0].stringValue, let v = p[1].stringValue else { return -1 }
        headers.append((n, v))
    }
    let signature = SigV4Signer(region: region, service: service).sign(
        method: method, path: path, query: json["query"]?.stringValue ?? "", headers: headers,
        body: Array((json["body"]?.stringValue ?? "").utf8),
        credentials: AWSCredentials(accessKeyId: key, secretAccessKey: secret, sessionToken: json["sessionToken"]?.stringValue),
        date: date)
    let result = JSONValue.object([
        ("canonicalRequest", .string(signature.canonicalRequest)),
        ("stringToSign", .string(signature.stringToSign)),
        ("authorization", .string(signature.authorization)),
        ("headers", .array(signature.headers.map { .array([.string($0.name), .string($0.value)]) })),
    ]).serialized
    let bytes = Array(result.utf8)
    if let out, capacity > bytes.count {
        for (i, b) in bytes.enumerated() { out[i] = CChar(bitPattern: b) }
        out[bytes.count] = 0
    }
    return bytes.count
}
