import AMQP
import Foundation
import Testing

@testable import Warren

@Suite struct EventMessageTests {
    let event = CloudEvent(
        id: "e-42", source: "/shop", type: "order.created", time: Date(timeIntervalSince1970: 1_714_564_800),
        data: ["n": 1], extensions: ["traceparent": "00-abc-def-01", "callbackurl": "http://cb"])

    @Test func encodesPropertiesPerTheWireFormat() throws {
        let (body, properties) = EventMessage.encode(event, attempt: 3)
        #expect(properties.contentType == "application/cloudevents+json")
        #expect(properties.messageID == "e-42")
        #expect(properties.type == "order.created")
        #expect(properties.timestamp == event.time)
        #expect(properties.deliveryMode == .persistent)
        #expect(properties.headers == ["traceparent": "00-abc-def-01", "x-warren-attempt": 3])
        #expect(try CloudEvent.decode(body) == event)
        #expect(EventMessage.routingKey(for: event) == "order.created")
    }

    @Test func noTraceparentHeaderWithoutOne() {
        let plain = CloudEvent(id: "1", source: "s", type: "t")
        #expect(EventMessage.encode(plain, attempt: 1).properties.headers == ["x-warren-attempt": 1])
    }

    @Test func roundTrip() throws {
        let (body, properties) = EventMessage.encode(event, attempt: 2)
        let decoded = try EventMessage.decode(body: body, properties: properties)
        #expect(decoded.event == event && decoded.attempt == 2)
    }

    @Test(
        arguments: [
            nil, ["x-warren-attempt": "many"], ["x-warren-attempt": 0], ["x-warren-attempt": -3], ["other": 1],
        ] as [FieldTable?])
    func attemptDefaultsToOne(headers: FieldTable?) throws {
        let body = event.encoded()
        #expect(try EventMessage.decode(body: body, properties: BasicProperties(headers: headers)).attempt == 1)
    }

    @Test func attemptAcceptsAnyIntegerWidth() {
        #expect(EventMessage.attempt(in: BasicProperties(headers: ["x-warren-attempt": .int32(4)])) == 4)
        #expect(EventMessage.attempt(in: BasicProperties(headers: ["x-warren-attempt": .uint8(2)])) == 2)
    }

    @Test(arguments: ["", "not json", "[1,2]", #"{"id":"1"}"#])
    func invalidBodiesFailWithAShortReason(body: String) {
        let error = #expect(throws: WarrenError.self) {
            try EventMessage.decode(body: Array(body.utf8), properties: BasicProperties())
        }
        #expect(error?.reason.isEmpty == false)
        #expect((error?.reason.count ?? .max) <= 200)
    }

    @Test func invalidBodyReasonNamesTheAttribute() {
        let error = #expect(throws: WarrenError.self) {
            try EventMessage.decode(
                body: Array(#"{"specversion":"1.0","id":"1","source":"s"}"#.utf8), properties: BasicProperties())
        }
        #expect(error?.reason == "required attribute \"type\" is missing; expected a non-empty string")
    }
}
