import Foundation
import Testing

@_spi(Fuzzing) @testable import AMQP

@Suite("Field tables and properties through rabbitmq-c's structures")
struct TableCodingTests {
    @Test func tableRoundTrip() {
        let table: FieldTable = [
            "x-queue-type": "quorum",
            "x-delivery-limit": 5,
            "x-max-length": .int32(1000),
            "flag": true,
            "ratio": 0.5,
            "small": .int8(-3),
            "unsigned": .uint16(65000),
            "bin": .bytes([0xFF, 0x00, 0xFE]),
            "when": .timestamp(1_700_000_000),
            "nested": ["a": 1, "b": ["deep": "yes"]],
            "list": [1, "two", false],
            "dec": .decimal(decimals: 2, value: 12345),
            "nothing": .void,
        ]
        let scratch = CScratch()
        let decoded = CDecoding.table(scratch.table(table))
        #expect(decoded == table)
    }

    @Test func emptyTable() {
        let scratch = CScratch()
        #expect(CDecoding.table(scratch.table([:])).isEmpty)
        #expect(CDecoding.table(scratch.table(nil)).isEmpty)
    }

    @Test func propertiesRoundTrip() {
        let properties = BasicProperties(
            contentType: "application/cloudevents+json", contentEncoding: "identity",
            headers: ["traceparent": "00-abc-def-01", "x-warren-attempt": 2], deliveryMode: .persistent,
            priority: 4, correlationID: "corr", replyTo: "replies", expiration: "60000", messageID: "id-1",
            timestamp: Date(timeIntervalSince1970: 1_700_000_000), type: "demo.work", userID: "guest", appID: "warren")
        let scratch = CScratch()
        #expect(CDecoding.properties(scratch.properties(properties)) == properties)
        #expect(CDecoding.properties(scratch.properties(BasicProperties())) == BasicProperties())
    }

    @Test func literalParsingForCommandLineArguments() {
        #expect(FieldValue(parsing: "42") == .int64(42))
        #expect(FieldValue(parsing: "true") == .bool(true))
        #expect(FieldValue(parsing: "quorum") == .string("quorum"))
        #expect(FieldValue.int32(7).intValue == 7)
    }

    @Test func wireTablesFromAPeerDecodeAndReencode() throws {
        let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../FuzzCorpus/header-table")
        let bytes = try Data(contentsOf: corpus)
        let table = try #require(bytes.withUnsafeBytes { TableWireCodec.decode($0) })
        #expect(table["x-warren-attempt"] == .int32(2))
        #expect(table["nested"] == ["deep": "yes", "n": .int64(-5)])
        #expect(table["dec"] == .decimal(decimals: 2, value: 12345))
        let encoded = try #require(TableWireCodec.encode(table))
        #expect(encoded.withUnsafeBytes { TableWireCodec.decode($0) } == table)
        #expect(([0, 0, 0, 9, 1] as [UInt8]).withUnsafeBytes { TableWireCodec.decode($0) } == nil, "truncated")
    }

    @Test func shortStringsOverTheLimitAreNamed() {
        let long = String(repeating: "é", count: 128)  // 256 bytes
        #expect(MessageValidation.problem(exchange: "", routingKey: "k", properties: BasicProperties()) == nil)
        let problem = MessageValidation.problem(
            exchange: "", routingKey: "k", properties: BasicProperties(correlationID: long))
        #expect(problem == "the correlation id is 256 bytes; AMQP short strings hold at most 255")
        #expect(MessageValidation.problem(exchange: long, routingKey: "k", properties: BasicProperties()) != nil)
        let header = MessageValidation.problem(
            exchange: "", routingKey: "k", properties: BasicProperties(headers: ["a": ["b": [[long: 1]]]]))
        #expect(header?.contains("header name is 256 bytes") == true)
    }

    @Test func theEncodedSizeOfHeadersIsWhatRabbitMQCWrites() throws {
        let tables: [FieldTable] = [
            [:],
            ["traceparent": "00-abc-def-01", "x-warren-attempt": 2],
            [
                "flag": true, "small": .int8(-3), "unsigned": .uint16(65000), "wide": .int64(-1), "ratio": 0.5,
                "f": .float(1.5), "bin": .bytes([1, 2, 3]), "when": .timestamp(1),
                "dec": .decimal(decimals: 2, value: 1),
                "nested": ["a": 1, "b": ["deep": "yes"]], "list": [1, "two", false, ["x": .void]], "nothing": .void,
            ],
        ]
        for table in tables {
            let encoded = try #require(TableWireCodec.encode(table))
            #expect(MessageValidation.scan(table).size == encoded.count, "\(table)")
        }
    }

    @Test func headersThatDoNotFitInOneFrameAreRefusedBeforeSending() {
        let fits = BasicProperties(headers: ["big": .string(String(repeating: "x", count: 100_000))])
        #expect(MessageValidation.problem(exchange: "", routingKey: "k", properties: fits) == nil)
        let big = BasicProperties(headers: ["big": .string(String(repeating: "x", count: 200_000))])
        let problem = MessageValidation.problem(exchange: "", routingKey: "k", properties: big)
        #expect(problem?.contains("at most 126976 fit in one frame") == true, "\(problem ?? "nil")")
    }
}
