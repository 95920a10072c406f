import Foundation
import Testing

@testable import Warren

@Suite struct CloudEventTests {
    static let valid = #"""
        {"specversion":"1.0","id":"e-1","source":"/shop","type":"com.example.order.created",
         "time":"2024-05-01T12:00:00Z","datacontenttype":"application/json","data":{"n":1},
         "traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01","callbackurl":"http://h/cb"}
        """#

    @Test func decodesAValidEvent() throws {
        let event = try CloudEvent.decode(Array(Self.valid.utf8))
        #expect(event.id == "e-1")
        #expect(event.source == "/shop")
        #expect(event.type == "com.example.order.created")
        #expect(event.specversion == "1.0")
        #expect(event.time == Date(timeIntervalSince1970: 1_714_564_800))
        #expect(event.dataContentType == "application/json")
        #expect(event.data == ["n": 1])
        #expect(event.traceparent == "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
        #expect(event.extensions["callbackurl"] == "http://h/cb")
    }

    @Test func roundTripsExtensionsAndEverything() throws {
        let event = try CloudEvent.decode(Array(Self.valid.utf8))
        let again = try CloudEvent.decode(event.encoded())
        #expect(again == event)
        let text = String(decoding: event.encoded(), as: UTF8.self)
        #expect(text.contains(#""callbackurl":"http://h/cb""#))
        #expect(text.contains(#""time":"2024-05-01T12:00:00.000Z""#))
        #expect(!text.contains("\n"))
    }

    @Test func minimalEventHasNoOptionalMembers() throws {
        let event = try CloudEvent.decode(Array(#"{"specversion":"1.0","id":"1","source":"s","type":"t"}"#.utf8))
        #expect(event.time == nil && event.data == nil && event.dataContentType == nil && event.extensions.isEmpty)
        #expect(
            String(decoding: event.encoded(), as: UTF8.self)
                == #"{"id":"1","source":"s","specversion":"1.0","type":"t"}"#)
    }

    @Test func codableMatchesDecode() throws {
        let event = try JSONDecoder().decode(CloudEvent.self, from: Data(Self.valid.utf8))
        #expect(try JSONDecoder().decode(CloudEvent.self, from: JSONEncoder().encode(event)) == event)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(CloudEvent.self, from: Data("[]".utf8)) }
    }

    @Test(arguments: ["2024-05-01T12:00:00.123456Z", "2024-05-01T14:00:00+02:00", "2024-05-01t12:00:00z"])
    func acceptsRFC3339Variants(time: String) throws {
        let json = #"{"specversion":"1.0","id":"1","source":"s","type":"t","time":"\#(time)"}"#
        let event = try CloudEvent.decode(Array(json.utf8))
        #expect(abs((event.time?.timeIntervalSince1970 ?? 0) - 1_714_564_800) < 1)
    }

    @Test func nullOptionalAttributesAreAbsent() throws {
        let json = #"{"specversion":"1.0","id":"1","source":"s","type":"t","time":null,"data":null,"x":null}"#
        let event = try CloudEvent.decode(Array(json.utf8))
        #expect(event.time == nil && event.data == nil && event.extensions.isEmpty)
    }
}
