import Foundation
import Testing

@testable import Warren

@Suite struct CloudEventShortFormTests {
    let now = Date(timeIntervalSince1970: 1_714_564_800)

    @Test func fillsTheDefaults() throws {
        let event = try CloudEvent.normalize(
            shortForm: Array(#"{"type":"order.created","data":{"n":1}}"#.utf8), id: "fixed-id", now: now)
        #expect(event.id == "fixed-id")
        #expect(event.source == CloudEvent.defaultSource)
        #expect(event.source == "/warren/producer")
        #expect(event.time == now)
        #expect(event.specversion == "1.0")
        #expect(event.type == "order.created")
        #expect(event.data == ["n": 1])
    }

    @Test func keepsGivenIdSourceAndExtensions() throws {
        let json = #"{"type":"t","source":"/me","id":"mine","callbackurl":"http://cb","data":null}"#
        let event = try CloudEvent.normalize(shortForm: Array(json.utf8), id: "unused", now: now)
        #expect(event.id == "mine" && event.source == "/me")
        #expect(event.extensions == ["callbackurl": "http://cb"])
        #expect(event.data == nil)
    }

    @Test func defaultIdIsAFreshLowercaseUUID() throws {
        let first = try CloudEvent.normalize(shortForm: ["type": "t"])
        let second = try CloudEvent.normalize(shortForm: ["type": "t"])
        #expect(UUID(uuidString: first.id) != nil)
        #expect(first.id == first.id.lowercased())
        #expect(first.id != second.id)
    }

    @Test func typeIsRequired() {
        #expect(
            throws: WarrenError.invalidEvent(
                reason: "required attribute \"type\" is missing; expected a non-empty string")
        ) {
            try CloudEvent.normalize(shortForm: Array(#"{"data":1}"#.utf8), id: "x", now: now)
        }
    }

    @Test func rejectsNonObjectsAndBadAttributes() {
        #expect(throws: WarrenError.self) { try CloudEvent.normalize(shortForm: Array("[1]".utf8)) }
        #expect(throws: WarrenError.self) { try CloudEvent.normalize(shortForm: ["type": "t", "specversion": "2"]) }
        #expect(throws: WarrenError.self) { try CloudEvent.normalize(shortForm: ["type": "t", "Bad-Name": 1]) }
    }
}
