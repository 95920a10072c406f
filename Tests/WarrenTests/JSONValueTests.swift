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

    @Test func writesWhatFoundationsEncoderWrites() throws {
        let value: JSONValue = [
            "quote\"back\\slash": "tab\tnew\nline\rcr\u{08}\u{0C}\u{01}\u{1F}\u{7F}",
            "unicode": "é😀\u{2028}/",
            "numbers": [0, 1, -1, 1.5, 1e20, -2.25e-7, 9_007_199_254_740_991, 1e300],
            "nested": [["b": [], "a": .object([:])], .null, true, false],
            "Z": "upper before lower", "a": "x", "é": "non-ASCII key", "": "empty key",
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let foundation = try JSONValue.parse(Array(try encoder.encode(value)))
        let ours = try JSONValue.parse(value.encoded())
        #expect(ours == foundation)
        #expect(ours == value)
        let text = String(decoding: value.encoded(), as: UTF8.self)
        #expect(text.hasPrefix(#"{"":"empty key","Z":"upper before lower","a":"x","#))
        #expect(text.contains(#""tab\tnew\nline\rcr\b\f\u0001\u001f"# + "\u{7F}\""))
        #expect(text.contains(#""numbers":[0,1,-1,1.5,"#))
        #expect(text.contains(#",9007199254740991,"#))
        #expect(text.contains(#""unicode":"é😀"# + "\u{2028}/\""))
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
