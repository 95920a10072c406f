import Testing

@testable import Warren

@Suite struct CloudEventValidationTests {
    /// Decodes a base event with `changes` applied (nil removes the member) and returns the error's reason.
    func reason(_ changes: [String: JSONValue?]) -> String? {
        var members: [String: JSONValue] = ["specversion": "1.0", "id": "1", "source": "/s", "type": "t"]
        for (key, value) in changes { members[key] = value }
        do {
            _ = try CloudEvent.decode(JSONValue.object(members).encoded())
            return nil
        } catch {
            return error.reason
        }
    }

    @Test(arguments: ["id", "source", "type", "specversion"])
    func requiredAttributeMissing(name: String) {
        #expect(
            reason([name: JSONValue?.none]) == "required attribute \"\(name)\" is missing; expected a non-empty string")
    }

    @Test(arguments: ["id", "source", "type"])
    func requiredAttributeEmptyOrNotAString(name: String) {
        #expect(reason([name: ""]) == "attribute \"\(name)\" is empty; expected a non-empty string")
        #expect(reason([name: 5]) == "attribute \"\(name)\" is a number; expected a non-empty string")
    }

    @Test func specVersionMustBeOnePointZero() {
        #expect(reason(["specversion": "0.3"]) == "attribute \"specversion\" is \"0.3\"; expected \"1.0\"")
    }

    /// `id` and `type` travel in AMQP short strings (`message_id`, `type`, the routing key): at most 255 bytes.
    @Test(arguments: ["id", "type"])
    func identifierLengthLimit(name: String) {
        #expect(reason([name: .string(String(repeating: "a", count: 255))]) == nil)
        #expect(
            reason([name: .string(String(repeating: "a", count: 256))])
                == "attribute \"\(name)\" is 256 bytes long (UTF-8); expected at most 255 bytes (an AMQP short string)")
        // Counted in UTF-8 bytes, not characters: 128 × "é" is 128 characters but 256 bytes.
        #expect(reason([name: .string(String(repeating: "é", count: 127))]) == nil)
        #expect(reason([name: .string(String(repeating: "é", count: 128))])?.contains("256 bytes long") == true)
    }

    @Test func timeMustBeRFC3339() {
        #expect(reason(["time": "yesterday"])?.contains("expected an RFC 3339 timestamp") == true)
        #expect(reason(["time": 12])?.contains("attribute \"time\" is a number") == true)
    }

    @Test(arguments: ["Trace", "trace-parent", "trace_parent", "tracé", "data_base64"])
    func invalidExtensionNames(name: String) {
        let reason = reason([name: "v"])
        #expect(reason?.contains("\"\(name)\"") == true)
    }

    @Test func extensionValuesMustBeScalars() {
        #expect(
            reason(["ext": ["a": 1]])
                == "extension attribute \"ext\" is an object; expected a string, number or boolean")
        #expect(reason(["ext": true, "n1": 2]) == nil)
    }

    @Test func dataMayBeAnyJSON() {
        #expect(reason(["data": [1, "two", ["three": .null]]]) == nil)
        #expect(reason(["data": "text"]) == nil)
    }

    @Test(arguments: ["[]", "\"event\"", "42", "null"])
    func rejectsNonObjects(json: String) {
        #expect(throws: WarrenError.invalidEvent(reason: "expected a JSON object (structured CloudEvent)")) {
            try CloudEvent.decode(Array(json.utf8))
        }
    }

    @Test func rejectsNonUTF8() {
        let bytes: [UInt8] = Array(#"{"id":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        let error = #expect(throws: WarrenError.self) { try CloudEvent.decode(bytes) }
        #expect(error?.reason.contains("not valid UTF-8") == true)
    }

    @Test func rejectsDeepData() {
        let deep = String(repeating: "[", count: 70) + String(repeating: "]", count: 70)
        let json = #"{"specversion":"1.0","id":"1","source":"s","type":"t","data":\#(deep)}"#
        #expect(throws: WarrenError.invalidEvent(reason: "the JSON nests deeper than 64 levels")) {
            try CloudEvent.decode(Array(json.utf8))
        }
    }

    @Test func errorsQuoteAtMost64Characters() {
        let reason = reason(["specversion": .string(String(repeating: "9", count: 5000))]) ?? ""
        #expect(reason.count < 120)
        #expect(reason.contains(String(repeating: "9", count: 63) + "…"))
        #expect(WarrenError.invalidEvent(reason: reason).description.hasPrefix("invalid CloudEvent: "))
    }
}
