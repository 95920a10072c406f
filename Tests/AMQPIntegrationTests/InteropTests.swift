import AMQP
import Foundation
import Testing
import WarrenTestSupport

/// Messages cross between the wrapper and Debian's amqp-tools (another rabbitmq-c program) both ways.
@Suite("Interop with amqp-tools")
struct InteropTests {
    @Test func amqpPublishToWrapperConsumer() async throws {
        let (connection, channel, queue) = try await TestBroker.queue("interop-in", confirms: false)
        let result = try await runProcess(
            "/usr/bin/amqp-publish",
            [
                "--url", TestBroker.url, "--routing-key", queue, "--persistent", "--content-type", "text/plain",
                "--header", "x-origin:amqp-tools", "--body", "from amqp-publish",
            ])
        #expect(result.status == 0, "\(result.stderr)")
        let consumer = try await channel.consume(queue: queue)
        var iterator = consumer.makeAsyncIterator()
        let delivery = try #require(try await iterator.next())
        #expect(String(decoding: delivery.body, as: UTF8.self) == "from amqp-publish")
        #expect(delivery.properties.contentType == "text/plain")
        #expect(delivery.properties.deliveryMode == .persistent)
        #expect(delivery.properties.headers?["x-origin"]?.stringValue == "amqp-tools")
        try delivery.ack()
        await connection.close()
    }

    @Test func wrapperPublishToAmqpGet() async throws {
        let (connection, channel, queue) = try await TestBroker.queue("interop-out", autoDelete: false)
        try await channel.publish(
            Array("from the wrapper".utf8), routingKey: queue,
            properties: BasicProperties(contentType: "text/plain", deliveryMode: .persistent))
        let result = try await runProcess("/usr/bin/amqp-get", ["--url", TestBroker.url, "--queue", queue])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "from the wrapper")
        try await channel.deleteQueue(queue)
        await connection.close()
    }
}
