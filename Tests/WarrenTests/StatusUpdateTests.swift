import Foundation
import Testing

@testable import Warren

@Suite struct StatusUpdateTests {
    let at = Date(timeIntervalSince1970: 1_714_564_800.25)

    @Test func jsonShapeWithoutOptionalMembers() {
        let update = StatusUpdate(id: "e-1", status: .processing, attempt: 2, at: at)
        #expect(
            String(decoding: update.encoded(), as: UTF8.self)
                == #"{"at":"2024-05-01T12:00:00.250Z","attempt":2,"id":"e-1","status":"processing"}"#)
    }

    @Test func jsonShapeWithResultAndError() throws {
        let update = StatusUpdate(
            id: "e", status: .deadLettered, attempt: 4, at: at, result: ["ok": false], error: "boom")
        let object = try JSONValue.parse(update.encoded())
        #expect(
            object == [
                "id": "e", "status": "dead-lettered", "attempt": 4, "at": "2024-05-01T12:00:00.250Z",
                "result": ["ok": false], "error": "boom",
            ])
        #expect(try StatusUpdate.decode(update.encoded()) == update)
    }

    @Test func codableIgnoresTheEncodersDateStrategy() throws {
        let update = StatusUpdate(id: "e", status: .succeeded, attempt: 1, at: at)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        #expect(try JSONDecoder().decode(StatusUpdate.self, from: encoder.encode(update)) == update)
    }

    @Test func statusRawValuesAndFinality() {
        #expect(
            EventStatus.allCases.map(\.rawValue) == [
                "accepted", "processing", "retrying", "succeeded", "failed", "dead-lettered",
            ])
        #expect(EventStatus.allCases.filter(\.isFinal) == [.succeeded, .failed, .deadLettered])
    }

    @Test func decodeErrors() {
        let missing = #expect(throws: WarrenError.self) {
            try StatusUpdate.decode(Array(#"{"id":"e","status":"succeeded","attempt":1}"#.utf8))
        }
        #expect(missing?.reason == "member \"at\" is missing")
        #expect(throws: WarrenError.self) {
            try StatusUpdate.decode(Array(#"{"id":"e","status":"done","attempt":1,"at":"2024-05-01T12:00:00Z"}"#.utf8))
        }
        #expect(throws: WarrenError.self) {
            try StatusUpdate.decode(Array(#"{"id":"e","status":"failed","attempt":1,"at":"noon"}"#.utf8))
        }
    }
}
