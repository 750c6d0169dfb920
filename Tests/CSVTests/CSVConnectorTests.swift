import Foundation
import PluginAPI
import Testing
import TestSupport

/// Settings, header rules, status, skipping, paging, resuming and cancelling, through the real .so.
@Suite struct CSVConnectorTests {
    let fixture: CSVFixture
    init() throws { fixture = try CSVFixture() }

    @Test func descriptorIsAccurate() throws {
        let harness = try ConnectorHarness(settings: CSVFixture.settings(path: "/nonexistent.csv"))
        let d = harness.descriptor.pointee
        #expect(String(cString: d.name) == "csv")
        #expect(String(cString: d.id) == "org.xaas.csv")
        #expect(d.capabilities == UInt64(XAAS_CAP_CHECK | XAAS_CAP_CANCEL | XAAS_CAP_GROUPS | XAAS_CAP_MEMBERSHIPS))
        let schema = try #require(
            JSONSerialization.jsonObject(with: Data(String(cString: d.settings_schema_json).utf8)) as? [String: Any])
        #expect(schema["required"] as? [String] == ["path", "externalId"])
        #expect(schema["additionalProperties"] as? Bool == false)
        let properties = try #require(schema["properties"] as? [String: Any])
        #expect(Set(properties.keys) == ["path", "delimiter", "externalId", "status", "onBadRow", "encoding",
                                         "multiValueSeparator", "positions", "groups"])
    }

    @Test func missingFileIsNotFoundAtCheckAndReadButNotAtOpen() throws {
        let path = fixture.directory.appendingPathComponent("absent.csv").path
        let harness = try ConnectorHarness(settings: CSVFixture.settings(path: path))
        let atCheck = try #require(callError { try harness.check() })
        #expect(atCheck.status == XAAS_NOT_FOUND)
        #expect(atCheck.message.contains(path), "\(atCheck.message)")
        let atRead = try #require(callError { _ = try harness.readAll() })
        #expect(atRead.status == XAAS_NOT_FOUND)
        #expect(atRead.message.contains(path), "\(atRead.message)")
    }

    @Test func directoryIsAConfigError() throws {
        let harness = try ConnectorHarness(settings: CSVFixture.settings(path: fixture.directory.path))
        let error = try #require(callError { try harness.check() })
        #expect(error.status == XAAS_CONFIG)
        #expect(error.message.contains("is a directory"), "\(error.message)")
    }

    @Test func checkValidatesTheHeader() throws {
        let path = try fixture.write("login,name\n1,a\n")
        try ConnectorHarness(settings: CSVFixture.settings(path: path, externalId: "login")).check()
        let error = try #require(callError { try ConnectorHarness(settings: CSVFixture.settings(path: path)).check() })
        #expect(error.status == XAAS_SOURCE_DATA)
        #expect(error.message.contains("no column named \"id\"") && error.message.contains("\"login\""), "\(error.message)")
    }

    @Test(arguments: [
        (#"{"path":"a.csv"}"#, "settings.externalId is required"),
        (#"{"externalId":"id"}"#, "settings.path is required"),
        (#"{"path":"a.csv","externalId":"id","colour":"red"}"#, "settings.colour: unknown setting"),
        (#"{"path":"a.csv","externalId":"id","delimiter":":"}"#, "settings.delimiter"),
        (#"{"path":"a.csv","externalId":"id","encoding":"latin1"}"#, "only \"utf-8\" is supported"),
        (#"{"path":"a.csv","externalId":"id","onBadRow":"ignore"}"#, "settings.onBadRow"),
        (#"{"path":"a.csv","externalId":"id","status":{"activeValues":["y"]}}"#, "settings.status.attribute is required"),
        (#"{"path":"a.csv","externalId":"id","multiValueSeparator":","}"#, "must not contain the delimiter"),
    ])
    func badSettingsAreConfigErrors(_ settings: String, _ expected: String) throws {
        let error = try #require(callError { _ = try ConnectorHarness(settings: settings) })
        #expect(error.status == XAAS_CONFIG)
        #expect(error.message.contains(expected), "\(error.message)")
    }

    @Test func utf8EncodingIsAccepted() throws {
        let result = try fixture.read("id\n1\n", ["encoding": "utf-8"])
        #expect(result.records.count == 1)
    }

    @Test func duplicateHeaderIsAnErrorNamingTheFile() throws {
        let error = try #require(fixture.readError("id,name,name\n1,a,b\n"))
        #expect(error.status == XAAS_SOURCE_DATA)
        #expect(error.message.contains("users.csv line 1") && error.message.contains("repeats the name \"name\""),
                "\(error.message)")
    }

    @Test func emptyHeaderNameIsAnError() throws {
        let error = try #require(fixture.readError("id,,x\n1,a,b\n"))
        #expect(error.message.contains("column 2") && error.message.contains("no name"), "\(error.message)")
    }

    @Test func emptyExternalIdIsARowError() throws {
        let error = try #require(fixture.readError("name,id\na,1\nb,\n"))
        #expect(error.status == XAAS_SOURCE_DATA)
        #expect(error.message.contains("line 3") && error.message.contains("externalId is empty"), "\(error.message)")
    }

    @Test func statusRuleSetsActiveAndInactive() throws {
        let text = "id,active\n1,true\n2,false\n3,\n4, YES \n5,1\n"
        let result = try fixture.read(text, ["status": ["attribute": "active", "activeValues": ["true", "1", "yes"]]])
        #expect(result.records.map(\.status) == [0, 1, 1, 0, 0].map { UInt32($0) })
        let all = try fixture.read(text)
        #expect(all.records.allSatisfy { $0.status == UInt32(XAAS_STATUS_ACTIVE) })
    }

    @Test func statusColumnMustExist() throws {
        let error = try #require(fixture.readError("id\n1\n", ["status": ["attribute": "enabled"]]))
        #expect(error.status == XAAS_SOURCE_DATA)
        #expect(error.message.contains("\"enabled\""), "\(error.message)")
    }

    @Test func multiValueSeparatorSplitsEveryFieldButTheExternalId() throws {
        let text = "id,groups,email\na|b,x|y||z,\n"
        let result = try fixture.read(text, ["multiValueSeparator": "|"])
        #expect(result.records.first?.externalId == "a|b")
        #expect(result.records.first?.attributes == [["id", "a|b"], ["groups", "x"], ["groups", "y"], ["groups", "z"],
                                                     ["email", ""]])
        let whole = try fixture.read(text)
        #expect(whole.records.first?.attributes[1] == ["groups", "x|y||z"])
    }

    @Test func positionsAddFileAndLineOfEveryRow() throws {
        let text = "id,name\n1,\"a\nb\"\n\n3,c\n"
        let result = try fixture.read(text, ["positions": true])
        let positions = result.records.map { $0.attributes.last ?? [] }
        #expect(positions.count == 2)
        #expect(positions.allSatisfy { $0.first == "xaas.position" })
        #expect(positions[0].last?.hasSuffix("users.csv line 2") == true && positions[1].last?.hasSuffix("users.csv line 5") == true,
                "\(positions)")
        #expect(try fixture.read(text).records.allSatisfy { !$0.attributes.contains { $0.first == "xaas.position" } })
    }

    @Test func skipModeCountsAndNamesEverySkippedRow() throws {
        let text = "id,name\n1,a\n2\n3,c\n,d\n5,\"e\"x\n6,f\n"
        let result = try fixture.read(text, ["onBadRow": "skip"], pageSize: 100)
        #expect(result.records.map(\.externalId) == ["1", "3", "6"])
        #expect(result.skipped == 3)
        #expect(result.notes.count == 3)
        for (note, line) in zip(result.notes, [3, 5, 6]) {
            #expect(note.contains("users.csv line \(line)") && note.contains("skipped"), "\(note)")
        }
        let failing = try #require(fixture.readError(text))
        #expect(failing.message.contains("line 3"), "\(failing.message)")
    }

    @Test func pagesFollowThePageSizeHint() throws {
        let text = "id\n" + (1...10).map { "\($0)\n" }.joined()
        let result = try fixture.read(text, pageSize: 3)
        #expect(result.records.map(\.externalId) == (1...10).map(String.init))
        #expect(result.pages == 4)
        #expect(result.cursors.allSatisfy { $0.allSatisfy { $0.isASCII && !$0.isWhitespace } })
    }

    @Test func anotherInstanceResumesFromACursor() throws {
        let path = try fixture.write("id,name\n1,a\n2,\"b\nb\"\n3,c\n4,d\n")
        let settings = CSVFixture.settings(path: path)
        let (first, cursor) = try ConnectorHarness(settings: settings).readPage(cursor: nil, pageSize: 2)
        #expect(first.records.map(\.externalId) == ["1", "2"])
        let resumed = try ConnectorHarness(settings: settings)
        let (rest, end) = try resumed.readPage(cursor: cursor, pageSize: 10)
        #expect(rest.records.map(\.externalId) == ["3", "4"])
        #expect(end == nil)
        // Line numbers survive the resume: a bad row after the cursor is reported on its true line.
        let bad = try fixture.write("id\n1\n2\n3,x\n", name: "bad.csv")
        let badSettings = CSVFixture.settings(path: bad)
        let (_, badCursor) = try ConnectorHarness(settings: badSettings).readPage(cursor: nil, pageSize: 2)
        let error = try #require(callError {
            _ = try ConnectorHarness(settings: badSettings).readPage(cursor: badCursor, pageSize: 10)
        })
        #expect(error.message.contains("bad.csv line 4"), "\(error.message)")
    }

    @Test func fileChangedDuringAReadFailsClearly() throws {
        let path = try fixture.write("id\n1\n2\n3\n")
        let harness = try ConnectorHarness(settings: CSVFixture.settings(path: path))
        let (_, cursor) = try harness.readPage(cursor: nil, pageSize: 1)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("4\n".utf8))
        try handle.close()
        let error = try #require(callError { _ = try harness.readPage(cursor: cursor, pageSize: 1) })
        #expect(error.status == XAAS_SOURCE_DATA)
        #expect(error.message.contains("changed") && error.message.contains(path), "\(error.message)")
        let elsewhere = try #require(callError {
            _ = try ConnectorHarness(settings: CSVFixture.settings(path: path)).readPage(cursor: cursor, pageSize: 1)
        })
        #expect(elsewhere.message.contains("changed"), "\(elsewhere.message)")
    }

    @Test func foreignCursorIsRejected() throws {
        let path = try fixture.write("id\n1\n")
        let error = try #require(callError {
            _ = try ConnectorHarness(settings: CSVFixture.settings(path: path)).readPage(cursor: "page=2", pageSize: 1)
        })
        #expect(error.status == XAAS_INVALID_ARGUMENT)
    }

    @Test func cancelStopsTheRead() throws {
        let path = try fixture.write("id\n1\n2\n3\n")
        let harness = try ConnectorHarness(settings: CSVFixture.settings(path: path))
        let (_, cursor) = try harness.readPage(cursor: nil, pageSize: 1)
        harness.cancel()
        let error = try #require(callError { _ = try harness.readPage(cursor: cursor, pageSize: 1) })
        #expect(error.status == XAAS_CANCELLED)
        // A new read starts afresh.
        #expect(try harness.readAll().records.count == 3)
    }

    @Test func cliPrintsNDJSONAndFailsWithTheLineOnStderr() throws {
        let path = try fixture.write("id,groups,active\n1,a|b,yes\n2,,no\n")
        let settings = CSVFixture.settings(path: path, [
            "multiValueSeparator": "|", "status": ["attribute": "active"],
        ])
        let file = fixture.directory.appendingPathComponent("settings.json")
        try Data(settings.utf8).write(to: file)
        let run = try TestSupport.xaas(["plugins", "read", "csv", "--settings", file.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == """
            {"kind":"user","externalId":"1","status":"active","attributes":{"id":"1","groups":["a","b"],"active":"yes"}}
            {"kind":"user","externalId":"2","status":"inactive","attributes":{"id":"2","groups":"","active":"no"}}

            """)
        try fixture.write("id,groups,active\n1,a,yes\n2,b\n")
        let failed = try TestSupport.xaas(["plugins", "read", "csv", "--settings", file.path])
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("\(path) line 3"), "\(failed.stderr)")
    }
}
