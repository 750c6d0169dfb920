import Host
import Testing

/// Filter expressions: operators, precedence, multi-valued and missing attributes, quoting, errors.
@Suite struct FilterExpressionTests {
    let ann = SourceRecord(externalId: "1", attributes: [
        SourceAttribute("department", "Okta Workflows"), SourceAttribute("country", "CH"),
        SourceAttribute("active", "true"), SourceAttribute("memberOf", "admins"), SourceAttribute("memberOf", "staff"),
        SourceAttribute("title", ""), SourceAttribute("cost.center", "CC-1"), SourceAttribute("odd name", "x\"y"),
        SourceAttribute("in", "keyword-named"),
    ])

    func matches(_ text: String) throws -> Bool {
        try FilterExpression(text).matches(ann)
    }

    @Test(arguments: [
        (#"department == "Okta Workflows""#, true),
        (#"department == "okta workflows""#, false),
        (#"department != "Okta Workflows""#, false),
        (#"department != "Sales""#, true),
        (#"country in ["CH", "DE"]"#, true),
        (#"country in ["FR"]"#, false),
        (#"country in []"#, false),
        (#"memberOf == "staff""#, true),
        (#"memberOf == "admins""#, true),
        (#"memberOf != "staff""#, false),
        (#"memberOf in ["vpn", "staff"]"#, true),
        (#"manager == "x""#, false),
        (#"manager != "x""#, true),
        (#"manager in ["x"]"#, false),
        (#"title == """#, false),
        (#"title != """#, true),
        ("exists(department)", true),
        ("exists(manager)", false),
        ("exists(title)", false),
        ("!exists(manager)", true),
        (#"active == "true" && country == "CH""#, true),
        (#"active == "true" && country == "DE""#, false),
        (#"active == "false" || country == "CH""#, true),
        (#"country == "DE" || country == "FR" || department == "Okta Workflows""#, true),
        (#"!(country == "CH")"#, false),
        (#"!!(country == "CH")"#, true),
        (#"country == "DE" && active == "true" || department == "Okta Workflows""#, true),
        (#"country == "DE" && (active == "true" || department == "Okta Workflows")"#, false),
        (#"department == "Sales" || country == "CH" && active == "false""#, false),
        (#"cost.center == "CC-1""#, true),
        (#"`odd name` == "x\"y""#, true),
        (#"`in` == "keyword-named""#, true),
        ("exists(`odd name`)", true),
        ("  exists( department )  ", true),
    ])
    func evaluates(filter: String, expected: Bool) throws {
        #expect(try matches(filter) == expected)
    }

    @Test func anAttributeNamedExistsCanBeCompared() throws {
        let r = SourceRecord(externalId: "1", attributes: [SourceAttribute("exists", "yes")])
        #expect(try FilterExpression(#"exists == "yes""#).matches(r))
        #expect(try FilterExpression("exists(exists)").matches(r))
    }

    @Test func statusAndExternalIdAreNotAttributes() throws {
        let r = SourceRecord(externalId: "emp-1", status: .inactive, attributes: [])
        #expect(try !FilterExpression(#"externalId == "emp-1""#).matches(r))
    }

    @Test(arguments: [
        ("", 1, "empty filter"),
        ("   ", 1, "empty filter"),
        (#"department = "x""#, 12, "use =="),
        (#"a == "x" & b == "y""#, 10, "use &&"),
        (#"a == "x" | b == "y""#, 10, "use ||"),
        ("department == Okta", 15, "expected a \"quoted string\" after =="),
        (#"department == "Okta"#, 15, "unterminated string"),
        (#"department == "a\nb""#, 17, "escapes"),
        ("department", 11, "expected ==, != or in"),
        (#"department contains "x""#, 12, "expected ==, != or in"),
        (#"(a == "x""#, 10, "expected \")\""),
        (#"a == "x")"#, 9, "expected && or ||"),
        (#"a in ["x" "y"]"#, 11, "expected \",\" or \"]\""),
        (#"a in "x""#, 6, "expected \"[\" after in"),
        (#"a in ["x", ]"#, 12, "after ,"),
        ("exists(a", 9, "expected \")\" after the attribute name"),
        ("exists()", 8, "expected an attribute name"),
        (#"== "x""#, 1, "expected an attribute name"),
        (#"a == "x" &&"#, 12, "expected an attribute name"),
        ("`a == \"x\"", 1, "unterminated `quoted`"),
        (#"a == "x" ; b"#, 10, "unexpected character"),
        (#"a == "x" b"#, 10, "expected && or ||"),
    ])
    func parseErrorsGiveTheColumn(filter: String, column: Int, message: String) {
        let error = #expect(throws: FilterError.self) { try FilterExpression(filter) }
        #expect(error?.column == column, "\(String(describing: error))")
        #expect(error?.message.contains(message) == true, "\(String(describing: error))")
        #expect(error?.description.hasPrefix("column \(column): ") == true)
    }
}
