import Glibc
import XaasCrypto
import XaasText

/// AWS credentials for Signature Version 4. Never printed: `description` shows the key id's last four
/// characters at most.
struct AWSCredentials: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    var accessKeyId: String
    var secretAccessKey: String
    var sessionToken: String?

    var description: String { "AWS credentials (access key …\(accessKeyId.suffix(4)))" }
    var debugDescription: String { description }
}

/// AWS Signature Version 4 (`AWS4-HMAC-SHA256`) request signing, header variant.
///
/// Checked against the public SigV4 test suite (botocore `aws4_testsuite`, aws-c-auth
/// `aws-signing-test-suite`). Pure value type; thread-safe.
struct SigV4Signer: Sendable {
    /// What signing produced: the headers to add and the intermediate texts (for tests).
    struct Signature: Sendable {
        /// `X-Amz-Date`, optional `X-Amz-Security-Token`, and `Authorization`, in that order.
        var headers: [(name: String, value: String)]
        var canonicalRequest: String
        var stringToSign: String
        var authorization: String
    }

    var region: String
    /// `dynamodb`, or `execute-api` behind IAM-authorised API Gateway.
    var service: String

    /// Signs a request.
    ///
    /// - Parameters:
    ///   - path: the decoded path (`/`, `/items`); it is URI-encoded here.
    ///   - query: the raw query string without `?` (may be empty).
    ///   - headers: every header that is sent and must be signed, including `Host`.
    ///   - date: seconds since the epoch (UTC).
    func sign(method: String, path: String, query: String, headers: [(name: String, value: String)],
              body: [UInt8], credentials: AWSCredentials, date: Int) -> Signature {
        let (amzDate, day) = Self.timestamps(date)
        var signed = headers
        signed.append(("X-Amz-Date", amzDate))
        if let token = credentials.sessionToken { signed.append(("X-Amz-Security-Token", token)) }

        // Canonical headers: lower-case names, trimmed values with inner runs of spaces collapsed,
        // duplicates joined with commas, sorted by name.
        var merged: [String: [String]] = [:]
        for (name, value) in signed { merged[name.lowercased(), default: []].append(Self.canonicalValue(value)) }
        let names = merged.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        let canonicalHeaders = names.map { "\($0):\(merged[$0]!.joined(separator: ","))\n" }.joined()
        let signedHeaders = names.joined(separator: ";")

        let canonicalRequest = [
            method, Self.canonicalPath(path), Self.canonicalQuery(query), canonicalHeaders, signedHeaders,
            SHA256.hex(body),
        ].joined(separator: "\n")
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let stringToSign = "AWS4-HMAC-SHA256\n\(amzDate)\n\(scope)\n\(SHA256.hex(Array(canonicalRequest.utf8)))"

        var key = SHA256.hmac(key: Array("AWS4\(credentials.secretAccessKey)".utf8), Array(day.utf8))
        for part in [region, service, "aws4_request"] { key = SHA256.hmac(key: key, Array(part.utf8)) }
        let signature = SHA256.hexString(SHA256.hmac(key: key, Array(stringToSign.utf8)))
        let authorization = "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyId)/\(scope), "
            + "SignedHeaders=\(signedHeaders), Signature=\(signature)"

        var added: [(name: String, value: String)] = [("X-Amz-Date", amzDate)]
        if let token = credentials.sessionToken { added.append(("X-Amz-Security-Token", token)) }
        added.append(("Authorization", authorization))
        return Signature(headers: added, canonicalRequest: canonicalRequest, stringToSign: stringToSign,
                         authorization: authorization)
    }

    /// `YYYYMMDDTHHMMSSZ` and `YYYYMMDD` for `seconds` since the epoch.
    static func timestamps(_ seconds: Int) -> (amzDate: String, day: String) {
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let day = "\(parts.tm_year + 1900)\(two(parts.tm_mon + 1))\(two(parts.tm_mday))"
        return ("\(day)T\(two(parts.tm_hour))\(two(parts.tm_min))\(two(parts.tm_sec))Z", day)
    }

    /// A header value trimmed, with runs of spaces collapsed to one (SigV4 canonical form).
    static func canonicalValue(_ value: String) -> String {
        var out = ""
        var pendingSpace = false
        for c in value.unicodeScalars {
            if c == " " || c == "\t" || c == "\n" || c == "\r" {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out += " " }
                pendingSpace = false
                out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// The path, each segment URI-encoded (RFC 3986 unreserved characters kept, `/` kept).
    static func canonicalPath(_ path: String) -> String {
        path.isEmpty ? "/" : PercentEncoding.encode(path, keeping: "/")
    }

    /// The query's parameters decoded, re-encoded and sorted by name then value.
    static func canonicalQuery(_ query: String) -> String {
        guard !query.isEmpty else { return "" }
        let pairs = query.split(separator: "&", omittingEmptySubsequences: true).map { pair -> (String, String) in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = PercentEncoding.encode(PercentEncoding.decode(String(parts[0])))
            let value = parts.count > 1 ? PercentEncoding.encode(PercentEncoding.decode(String(parts[1]))) : ""
            return (name, value)
        }
        return pairs.sorted { a, b in
            a.0 != b.0 ? Array(a.0.utf8).lexicographicallyPrecedes(Array(b.0.utf8))
                : Array(a.1.utf8).lexicographicallyPrecedes(Array(b.1.utf8))
        }.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }
}
