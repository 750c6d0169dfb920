/// An attribute description (`type[;option…]`, RFC 4512 §2.5) as read from a file.
///
/// Types and options compare case-insensitively and options are unordered, so ``key`` (lowercased
/// type, then the lowercased options sorted, joined by `;`) is what identifies the attribute.
struct AttributeDescription: Equatable {
    /// The type as first spelled (`givenName`, `1.2.3.4`).
    var type: String
    /// The lowercased, sorted options (`["binary"]`, `["lang-en"]`).
    var options: [String]
    /// The comparison key: `type;opt1;opt2`, all lowercase.
    var key: String
    /// The lowercased type without options.
    var lowercasedType: String

    /// The name handed to the host: the type as spelled plus the normalised options.
    var name: String { options.isEmpty ? type : type + ";" + options.joined(separator: ";") }

    /// Parses and validates the text before the colon of an LDIF line.
    init?(_ text: ArraySlice<UInt8>) {
        guard let first = text.first, Self.isAlnum(first) else { return nil }
        for c in text where !(Self.isAlnum(c) || c == UInt8(ascii: "-") || c == UInt8(ascii: ";") || c == UInt8(ascii: ".")) {
            return nil
        }
        let parts = text.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: false)
        type = String(decoding: parts[0], as: UTF8.self)
        lowercasedType = type.lowercased()
        var opts: [String] = []
        for p in parts.dropFirst() {
            guard !p.isEmpty else { return nil }
            opts.append(String(decoding: p, as: UTF8.self).lowercased())
        }
        options = opts.sorted()
        key = options.isEmpty ? lowercasedType : lowercasedType + ";" + options.joined(separator: ";")
    }

    /// A description from a settings string (never fails for a non-empty name).
    init(setting: String) {
        self = AttributeDescription(ArraySlice(setting.utf8)) ?? AttributeDescription(plain: setting)
    }

    private init(plain: String) {
        type = plain
        options = []
        lowercasedType = plain.lowercased()
        key = lowercasedType
    }

    private static func isAlnum(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
    }
}

/// One attribute value of a record, with the physical line it started on.
struct LDIFValue {
    var description: AttributeDescription
    var value: [UInt8]
    var line: Int
}

/// The `changetype` of a change record.
enum LDIFChangeType: String {
    case add, delete, modify, modrdn, moddn
}

/// One `add:`/`delete:`/`replace:`/`increment:` block of a `changetype: modify` record.
struct LDIFModification {
    var operation: String
    var description: AttributeDescription
    var values: [[UInt8]]
    var line: Int
}

/// One LDIF record: a content record (`change == nil`) or a change record.
struct LDIFRecord {
    /// The DN as written (decoded from base64 when `dn::`).
    var dn: String
    /// The physical line of the `dn:` line.
    var line: Int
    /// The byte offset where the record starts.
    var offset: UInt64
    var change: LDIFChangeType?
    /// Attribute values of a content record or a `changetype: add` record, in file order.
    var values: [LDIFValue] = []
    /// The blocks of a `changetype: modify` record.
    var modifications: [LDIFModification] = []

    /// "`file` line N (dn: …)" for messages.
    func location(_ file: String, line: Int? = nil) -> String {
        "\(file) line \(line ?? self.line) (dn: \(dn))"
    }
}
