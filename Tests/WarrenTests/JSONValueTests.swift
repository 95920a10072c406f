import Foundation
import Testing

@testable import Warren

@Suite struct JSONValueTests {
    @Test func decodesEveryKind() throws {
        let value = try JSONValue.parse(Array(#"{"a":null,"b":true,"c":1.5,"d":"x","e":[1,"y"],"f":{}}"#.utf8))
        #expect(value == ["a": .null, "b": true, "c": 1.5, "d": "x", "e": [1, "y"], "f": .object([:])])
    }

    @Test func booleansStayBooleansAndNumbersStayNumbers() throws {
        #expect(try JSONValue.parse(Array("[true, 1, 0]".utf8)) == [.bool(true), .number(1), .number(0)])
    }

    @Test func roundTripsThroughCompactSortedJSON() throws {
        let value: JSONValue = ["z": [1, 2.5, "s/t"], "a": ["n": .null, "b": false]]
        let text = String(decoding: value.encoded(), as: UTF8.self)
        #expect(text == #"{"a":{"b":false,"n":null},"z":[1,2.5,"s/t"]}"#)
        #expect(try JSONValue.parse(value.encoded()) == value)
    }

    @Test func nonFiniteNumbersEncodeAsNull() {
        #expect(String(decoding: JSONValue.array([.number(.nan)]).encoded(), as: UTF8.self) == "[null]")
    }

    @Test func acceptsNestingUpToTheLimit() throws {
        let depth = JSONValue.maximumDepth
        let text = String(repeating: "[", count: depth - 1) + "1" + String(repeating: "]", count: depth - 1)
        #expect(throws: Never.self) { try JSONValue.parse(Array(text.utf8)) }
    }

    @Test(arguments: [JSONValue.maximumDepth + 1, 400, 100_000])
    func rejectsDeeperNesting(depth: Int) {
        let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(throws: WarrenError.self) { try JSONValue.parse(Array(text.utf8)) }
    }

    @Test func deepNestingErrorNamesTheLimit() {
        let text = String(repeating: #"{"a":"#, count: 65) + "1" + String(repeating: "}", count: 65)
        #expect(throws: WarrenError.invalidEvent(reason: "the JSON nests deeper than 64 levels")) {
            try JSONValue.parse(Array(text.utf8))
        }
    }

    @Test func rejectsInvalidUTF8() {
        let error = #expect(throws: WarrenError.self) { try JSONValue.parse([0x22, 0xFF, 0xFE, 0x22]) }
        #expect(error?.reason.contains("UTF-8") == true)
    }

    @Test func rejectsMalformedJSONWithoutEchoingIt() {
        let huge = "{" + String(repeating: "x", count: 10_000)
        let error = #expect(throws: WarrenError.self) { try JSONValue.parse(Array(huge.utf8)) }
        #expect(error?.description.contains("not valid JSON") == true)
        #expect((error?.description.count ?? .max) < 300)
    }
}
