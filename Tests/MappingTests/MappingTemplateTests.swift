import Host
import Testing

/// Mapping templates: interpolation, functions, multi-valued attributes, omission, escapes, errors.
@Suite struct MappingTemplateTests {
    let record = SourceRecord(externalId: "emp-1", attributes: [
        SourceAttribute("email", "  Ann.Lee@Example.COM "), SourceAttribute("first_name", "Ann"),
        SourceAttribute("last_name", "Lee"), SourceAttribute("street_number", "2478"),
        SourceAttribute("street_name", "Calle del Arenal"), SourceAttribute("memberOf", "admins"),
        SourceAttribute("memberOf", "staff"), SourceAttribute("memberOf", "vpn"), SourceAttribute("blank", ""),
        SourceAttribute("first.name-x", "dotted"), SourceAttribute("odd name", "spaced"),
        SourceAttribute("phone", "+41 44 123"),
    ])

    func eval(_ template: String) throws -> String {
        try MappingTemplate(template).evaluate(record)
    }

    @Test(arguments: [
        ("${first_name}", "Ann"),
        ("${first_name} ${last_name}", "Ann Lee"),
        ("${street_number} ${street_name}", "2478 Calle del Arenal"),
        ("Dear ${first_name}!", "Dear Ann!"),
        ("${ first_name }", "Ann"),
        ("${email | trim | lower}", "ann.lee@example.com"),
        ("${email|trim|upper}", "ANN.LEE@EXAMPLE.COM"),
        ("${memberOf}", "admins"),
        ("${memberOf | first}", "admins"),
        ("${memberOf | last}", "vpn"),
        ("${memberOf | join:\",\"}", "admins,staff,vpn"),
        ("${memberOf | join:\"; \" | upper}", "ADMINS; STAFF; VPN"),
        ("${missing | default:\"n/a\"}", "n/a"),
        ("${blank | default:\"n/a\"}", "n/a"),
        ("${first_name | default:\"n/a\"}", "Ann"),
        ("${phone | replace:\" \":\"\"}", "+4144123"),
        ("${street_name | replace:\"Calle\":\"C.\"}", "C. del Arenal"),
        ("${street_name | truncate:5}", "Calle"),
        ("${street_name | truncate:\"4\"}", "Call"),
        ("${missing | default:\"say \\\"hi\\\" \\\\o/\"}", "say \"hi\" \\o/"),
        ("${first.name-x}", "dotted"),
        ("${`odd name`}", "spaced"),
        ("cost: $5 and $${literal}", "cost: $5 and ${literal}"),
        ("plain constant", "plain constant"),
        ("${first_name}${missing}", "Ann"),
        ("${missing} ${last_name}", " Lee"),
    ])
    func evaluates(template: String, expected: String) throws {
        #expect(try eval(template) == expected)
    }

    @Test func interpolationsThatAreAllEmptyGiveNothing() throws {
        #expect(try eval("${missing} ${blank}") == "")
        #expect(try eval("Mr ${missing}") == "")
        #expect(try eval("${blank | trim}") == "")
        #expect(try eval("${email | replace:\"  Ann.Lee@Example.COM \":\"\"}") == "")
    }

    @Test func trimDropsValuesThatBecomeEmptySoDefaultApplies() throws {
        let r = SourceRecord(externalId: "x", attributes: [SourceAttribute("title", "   ")])
        #expect(try MappingTemplate("${title | trim | default:\"Staff\"}").evaluate(r) == "Staff")
    }

    @Test func unicodeCaseMapping() throws {
        let r = SourceRecord(externalId: "x", attributes: [SourceAttribute("n", "Zoë Müller-Çelik")])
        #expect(try MappingTemplate("${n | upper}").evaluate(r) == "ZOË MÜLLER-ÇELIK")
        #expect(try MappingTemplate("${n | lower | truncate:3}").evaluate(r) == "zoë")
    }

    @Test func mappingProfileIsInConfigOrderAndOmitsEmptyValues() throws {
        let m = try Mapping([("userName", "${email | trim | lower}"), ("email", "${email | trim}"),
                             ("title", "${title}"), ("displayName", "${first_name} ${last_name}"),
                             ("organization", "Acme")])
        let profile = m.profile(for: record)
        #expect(profile.map(\.0) == ["userName", "email", "displayName", "organization"])
        #expect(profile.map(\.1) == ["ann.lee@example.com", "Ann.Lee@Example.COM", "Ann Lee", "Acme"])
        #expect(m.profileAttributes == ["userName", "email", "title", "displayName", "organization"])
        #expect(m.sourceAttributes == ["email", "title", "first_name", "last_name"])
    }

    @Test func duplicateTargetsAreRefused() {
        let error = #expect(throws: MappingError.self) { try Mapping([("email", "${a}"), ("email", "${b}")]) }
        #expect(error?.attribute == "email")
    }

    @Test(arguments: [
        ("${first_name", 1, "unterminated"),
        ("ab ${", 4, "unterminated"),
        ("${}", 3, "expected an attribute name"),
        ("${first_name last_name}", 14, "expected \"|\" or \"}\""),
        ("${email | lowr}", 11, "unknown function \"lowr\""),
        ("${email | }", 11, "expected a function name"),
        ("${email | lower:\"x\"}", 11, "lower takes 0 arguments"),
        ("${email | join}", 11, "join takes 1 argument"),
        ("${email | replace:\"a\"}", 11, "replace takes 2 arguments"),
        ("${email | replace:\"\":\"b\"}", 11, "the text to replace is empty"),
        ("${email | truncate:0}", 11, "positive whole number"),
        ("${email | default:x}", 19, "expected a \"quoted\" argument"),
        ("${email | default:\"x}", 19, "unterminated \"quoted\" argument"),
        ("${email | default:\"a\\nb\"}", 21, "escapes"),
        ("x ${`odd name}", 5, "unterminated `quoted`"),
        ("${``}", 3, "empty attribute name"),
        ("${e-mail ! x}", 10, "expected \"|\" or \"}\""),
    ])
    func parseErrorsGiveTheColumn(template: String, column: Int, message: String) {
        let error = #expect(throws: MappingError.self) { try MappingTemplate(template) }
        #expect(error?.column == column, "\(String(describing: error))")
        #expect(error?.message.contains(message) == true, "\(String(describing: error))")
        #expect(error?.template == template)
    }

    @Test func mappingErrorsNameTheAttribute() {
        let error = #expect(throws: MappingError.self) {
            try Mapping([("userName", "${email}"), ("displayName", "${first} ${last")])
        }
        #expect(error?.attribute == "displayName")
        #expect(error?.column == 10)
        #expect(error?.description == "mapping \"displayName\": column 10: unterminated \"${\" (missing \"}\")")
    }

    // MARK: validation

    @Test func validationAcceptsACompleteProfile() {
        #expect(Mapping.validate(externalId: "emp-1", profile: [("userName", "a@b.c"), ("email", "a@b.c"), ("firstName", "A")]) == nil)
    }

    @Test(arguments: [
        ("", [("userName", "a@b.c"), ("email", "a@b.c")], "externalId is empty"),
        (String(repeating: "x", count: 513), [("userName", "a@b.c"), ("email", "a@b.c")], "at most 512"),
        ("e", [("email", "a@b.c")], "userName is empty"),
        ("e", [("userName", "a@b.c")], "email is empty"),
        ("e", [("userName", "a@b.c"), ("email", "not-an-email")], "email is not an email address"),
        ("e", [("userName", "a@b.c"), ("email", "a@b")], "email is 3 characters"),
        ("e", [("userName", "a@b.c"), ("email", "a@b.c"), ("firstName", String(repeating: "é", count: 51))], "firstName is 51"),
        ("e", [("userName", String(repeating: "u", count: 101)), ("email", "a@b.c")], "userName is 101"),
    ])
    func validationRefusesWhatOktaWould(externalId: String, profile: [(String, String)], message: String) {
        let problem = Mapping.validate(externalId: externalId, profile: profile)
        #expect(problem?.contains(message) == true, "\(String(describing: problem))")
    }

    @Test func externalIdOfExactly512IsAccepted() {
        #expect(Mapping.validate(externalId: String(repeating: "x", count: 512), profile: [("userName", "u"), ("email", "a@b.c")]) == nil)
    }
}
