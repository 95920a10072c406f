import AMQP
import Foundation
import Testing
import WarrenTestSupport

@Suite("Publishing with confirms against a real broker")
struct PublishTests {
    @Test func roundTripKeepsBodyAndEveryProperty() async throws {
        let (connection, channel, queue) = try await TestBroker.queue("props")
        let properties = BasicProperties(
            contentType: "application/cloudevents+json", contentEncoding: "identity",
            headers: [
                "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "x-warren-attempt": 3,
                "nested": ["k": true],
            ],
            deliveryMode: .persistent, priority: 5, correlationID: "c-1", replyTo: "r", expiration: "60000",
            messageID: "id-1", timestamp: Date(timeIntervalSince1970: 1_700_000_000), type: "demo.work",
            userID: "guest", appID: "tests")
        let body = Array("{\"hello\":\"wörld\"}".utf8) + [0, 255]
        try await channel.publish(body, routingKey: queue, properties: properties)
        let consumer = try await channel.consume(queue: queue)
        var iterator = consumer.makeAsyncIterator()
        let delivery = try #require(try await iterator.next())
        #expect(delivery.body == body)
        #expect(delivery.properties == properties)
        #expect(delivery.routingKey == queue)
        #expect(delivery.exchange == "")
        #expect(!delivery.redelivered)
        try delivery.ack()
        await connection.close()
    }

    @Test func pipelinedConfirmsAllArrive() async throws {
        let connection = try await TestBroker.connect()
        let channel = try await connection.openChannel(confirms: true, maxInFlight: 200)
        let queue = TestBroker.unique("pipelined")
        try await channel.declareQueue(queue, autoDelete: true)
        let confirmations = (0..<3000).map { i in
            channel.publishWithDeferredConfirm(Array("m\(i)".utf8), routingKey: queue, properties: .persistent)
        }
        for confirmation in confirmations { try await confirmation.wait() }
        let info = try await channel.declareQueue(queue, passive: true)
        #expect(info.messageCount == 3000)
        await connection.close()
    }

    @Test func concurrentPublishersEachResumeOnTheirOwnConfirm() async throws {
        let (connection, channel, queue) = try await TestBroker.queue("concurrent")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<200 {
                group.addTask { try await channel.publish(Array("\(i)".utf8), routingKey: queue) }
            }
            try await group.waitForAll()
        }
        #expect(try await channel.declareQueue(queue, passive: true).messageCount == 200)
        await connection.close()
    }

    @Test func unencodableMessagesFailAloneAndTheConnectionStaysUsable() async throws {
        let (connection, channel, queue) = try await TestBroker.queue("unencodable")
        let long = String(repeating: "x", count: 256)
        let refused: [BasicProperties] = [
            BasicProperties(messageID: long), BasicProperties(type: long),
            BasicProperties(headers: ["nested": [long: 1]]), BasicProperties(headers: ["list": [[long: true]]]),
        ]
        for properties in refused {
            await #expect {
                try await channel.publish([1], routingKey: queue, properties: properties)
            } throws: { error in
                if case .invalidMessage(let reason)? = error as? AMQPError { return reason.contains("255") }
                return false
            }
        }
        await #expect(throws: AMQPError.self) { try await channel.publish([1], routingKey: long) }
        // 255 bytes is the limit, not past it; the channel and connection carry on.
        let edge = String(repeating: "y", count: 255)
        try await channel.publish([2], routingKey: queue, properties: BasicProperties(messageID: edge, type: edge))
        #expect(try await channel.declareQueue(queue, passive: true).messageCount == 1)
        await connection.close()
    }

    @Test func publishToMissingExchangeFailsWith404AndTheConnectionStaysUsable() async throws {
        let connection = try await TestBroker.connect()
        let channel = try await connection.openChannel(confirms: true)
        await #expect {
            try await channel.publish([1], exchange: TestBroker.unique("no-such-exchange"), routingKey: "k")
        } throws: { error in
            (error as? AMQPError)?.replyCode == 404
        }
        let queue = TestBroker.unique("after404")
        try await channel.declareQueue(queue, autoDelete: true)
        try await channel.publish([2], routingKey: queue)
        #expect(try await channel.declareQueue(queue, passive: true).messageCount == 1)
        #expect(connection.isConnected)
        await connection.close()
    }

    @Test func redeclaringWithDifferentArgumentsFailsWith406() async throws {
        let connection = try await TestBroker.connect()
        let channel = try await connection.openChannel()
        let queue = TestBroker.unique("406")
        try await channel.declareQueue(queue, arguments: ["x-max-length": 10])
        await #expect(throws: AMQPError.channelClosed(code: 406, text: "")) {
            do {
                try await channel.declareQueue(queue, arguments: ["x-max-length": 20])
            } catch AMQPError.channelClosed(let code, _) {
                throw AMQPError.channelClosed(code: code, text: "")
            }
        }
        try await channel.deleteQueue(queue)
        await connection.close()
    }

    @Test func mandatoryUnroutablePublishIsReturned() async throws {
        let connection = try await TestBroker.connect()
        let channel = try await connection.openChannel(confirms: true)
        let exchange = TestBroker.unique("routeless")
        try await channel.declareExchange(exchange, type: "direct", autoDelete: true)
        await #expect(throws: AMQPError.publishReturned(code: 312, text: "NO_ROUTE")) {
            try await channel.publish([1], exchange: exchange, routingKey: "nobody", mandatory: true)
        }
        // Without mandatory the broker drops it and confirms.
        try await channel.publish([1], exchange: exchange, routingKey: "nobody")
        await connection.close()
    }

    @Test func overflowRejectPublishIsNacked() async throws {
        let connection = try await TestBroker.connect()
        let channel = try await connection.openChannel(confirms: true)
        let queue = TestBroker.unique("overflow")
        try await channel.declareQueue(
            queue, autoDelete: true, arguments: ["x-max-length": 5, "x-overflow": "reject-publish"])
        var nacked = 0
        for i in 0..<10 {
            do { try await channel.publish(Array("\(i)".utf8), routingKey: queue) } catch AMQPError.publishNacked {
                nacked += 1
            }
        }
        #expect(nacked == 5)
        await connection.close()
    }

    @Test func confirmTimeoutFailsOnlyThatPublish() async throws {
        // A publish whose deadline has already passed when the I/O thread looks at it.
        let (connection, channel, queue) = try await TestBroker.queue("timeout")
        let confirmation = channel.publishWithDeferredConfirm([1], routingKey: queue, timeout: .zero)
        do {
            try await confirmation.wait()
        } catch let error as AMQPError {
            #expect(error == .confirmTimeout)
        }
        try await channel.publish([2], routingKey: queue, timeout: .seconds(10))
        await connection.close()
    }
}
