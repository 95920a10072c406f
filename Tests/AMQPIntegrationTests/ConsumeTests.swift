import AMQP
import Foundation
import Testing
import WarrenTestSupport

@Suite("Consuming with acknowledgements against a real broker")
struct ConsumeTests {
    private func prepared(_ name: String, count: Int, arguments: FieldTable = [:]) async throws
        -> (Connection, Channel, String)
    {
        let (connection, channel, queue) = try await TestBroker.queue(name, autoDelete: false, arguments: arguments)
        for i in 0..<count { try await channel.publish(Array("\(i)".utf8), routingKey: queue) }
        return (connection, channel, queue)
    }

    @Test func prefetchBoundsUnacknowledgedDeliveries() async throws {
        let (connection, channel, queue) = try await prepared("prefetch", count: 20)
        let consumer = try await channel.consume(queue: queue, prefetch: 5)
        var held: [Delivery] = []
        var iterator = consumer.makeAsyncIterator()
        for _ in 0..<5 { held.append(try #require(try await iterator.next())) }
        // Without acks the broker sends nothing more: after a pause, the queue still holds the other 15 as ready.
        try await Task.sleep(for: .milliseconds(300))
        let admin = try await connection.openChannel()
        #expect(try await admin.declareQueue(queue, passive: true).messageCount == 15)
        for delivery in held { try delivery.ack() }
        var rest = 0
        while rest < 15, let delivery = try await iterator.next() {
            try delivery.ack()
            rest += 1
        }
        #expect(rest == 15)
        try await admin.deleteQueue(queue)
        await connection.close()
    }

    /// Two consumers on one channel get interleaved deliveries: each must reach its own consumer with its own
    /// properties (the I/O thread caches the current consumer and the last decoded properties per channel).
    @Test(.timeLimit(.minutes(1))) func twoConsumersOnOneChannelEachGetTheirOwnMessages() async throws {
        let (connection, channel, queueA) = try await prepared("two-a", count: 0)
        let queueB = TestBroker.unique("two-b")
        try await channel.declareQueue(queueB, autoDelete: false)
        let count = 30
        for i in 0..<count {
            try await channel.publish(
                Array("a-\(i)".utf8), routingKey: queueA, properties: BasicProperties(contentType: "text/a"))
            try await channel.publish(
                Array("b-\(i)".utf8), routingKey: queueB, properties: BasicProperties(contentType: "text/b"))
        }
        let consumerA = try await channel.consume(queue: queueA, prefetch: 4)
        let consumerB = try await channel.consume(queue: queueB)
        var iteratorA = consumerA.makeAsyncIterator()
        var iteratorB = consumerB.makeAsyncIterator()
        for i in 0..<count {
            let a = try #require(try await iteratorA.next())
            let b = try #require(try await iteratorB.next())
            #expect(String(decoding: a.body, as: UTF8.self) == "a-\(i)")
            #expect(String(decoding: b.body, as: UTF8.self) == "b-\(i)")
            #expect(a.consumerTag == consumerA.tag && b.consumerTag == consumerB.tag)
            #expect(a.routingKey == queueA && b.routingKey == queueB)
            #expect(a.properties.contentType == "text/a" && b.properties.contentType == "text/b")
            try a.ack()
            try b.ack()
        }
        try await consumerA.cancel()
        try await consumerB.cancel()
        try await channel.deleteQueue(queueA)
        try await channel.deleteQueue(queueB)
        await connection.close()
    }

    @Test func nackWithRequeueRedeliversWithTheFlagSet() async throws {
        let (connection, channel, queue) = try await prepared("requeue", count: 1)
        let consumer = try await channel.consume(queue: queue, prefetch: 1)
        var iterator = consumer.makeAsyncIterator()
        let first = try #require(try await iterator.next())
        #expect(!first.redelivered)
        try first.nack(requeue: true)
        let second = try #require(try await iterator.next())
        #expect(second.redelivered)
        #expect(second.body == first.body)
        try second.ack()
        try await channel.deleteQueue(queue)
        await connection.close()
    }

    @Test func multipleAckSettlesEarlierDeliveries() async throws {
        let (connection, channel, queue) = try await prepared("multiple", count: 10)
        let consumer = try await channel.consume(queue: queue, prefetch: 10)
        var iterator = consumer.makeAsyncIterator()
        var last: Delivery?
        for _ in 0..<10 { last = try await iterator.next() }
        try #require(last).ack(multiple: true)
        try await consumer.cancel()
        let admin = try await connection.openChannel()
        #expect(await eventually { (try? await admin.declareQueue(queue, passive: true).messageCount) == 0 })
        await channel.close()
        #expect(try await admin.declareQueue(queue, passive: true).messageCount == 0, "nothing requeued")
        try await admin.deleteQueue(queue)
        await connection.close()
    }

    @Test func endingTheIterationCancelsTheConsumer() async throws {
        let (connection, channel, queue) = try await prepared("endloop", count: 3)
        do {
            let consumer = try await channel.consume(queue: queue, prefetch: 10)
            for try await delivery in consumer {
                try delivery.ack()
                break
            }
        }
        let admin = try await connection.openChannel()
        #expect(await eventually { (try? await admin.declareQueue(queue, passive: true).consumerCount) == 0 })
        try await admin.deleteQueue(queue)
        await connection.close()
    }

    @Test func cancellingTheIteratingTaskEndsTheIterationAndCancelsTheConsumer() async throws {
        let (connection, channel, queue) = try await prepared("taskcancel", count: 0)
        let admin = try await connection.openChannel()
        let reader = Task {
            var received = 0
            for try await delivery in try await channel.consume(queue: queue) {
                try delivery.ack()
                received += 1
            }
            return received
        }
        #expect(await eventually { (try? await admin.declareQueue(queue, passive: true).consumerCount) == 1 })
        try await channel.publish(Array("one".utf8), routingKey: queue)
        #expect(await eventually { (try? await admin.declareQueue(queue, passive: true).messageCount) == 0 })
        reader.cancel()
        #expect(try await reader.value == 1, "the iteration ends normally, after the one delivery")
        #expect(await eventually { (try? await admin.declareQueue(queue, passive: true).consumerCount) == 0 })
        try await channel.publish(Array("two".utf8), routingKey: queue)
        try await Task.sleep(for: .milliseconds(200))
        #expect(try await admin.declareQueue(queue, passive: true).messageCount == 1, "nobody consumes it now")
        try await admin.deleteQueue(queue)
        await connection.close()
    }

    @Test func deletingTheQueueCancelsTheConsumerWithAnError() async throws {
        let (connection, channel, queue) = try await prepared("cancelnotify", count: 0)
        let consumer = try await channel.consume(queue: queue)
        let admin = try await connection.openChannel()
        try await admin.deleteQueue(queue)
        await #expect(throws: AMQPError.consumerCancelled(consumerTag: consumer.tag)) {
            for try await _ in consumer {}
        }
        await connection.close()
    }

    @Test func acksFromAClosedChannelAreRefusedAsStale() async throws {
        let (connection, channel, queue) = try await prepared("stale", count: 1)
        let consumer = try await channel.consume(queue: queue, prefetch: 1)
        var iterator = consumer.makeAsyncIterator()
        let delivery = try #require(try await iterator.next())
        // Make the broker close the channel (404), which the wrapper reopens.
        await #expect(throws: AMQPError.self) {
            try await channel.declareQueue(TestBroker.unique("missing"), passive: true)
        }
        #expect(throws: AMQPError.staleDelivery) { try delivery.ack() }
        // The message went back to the queue when the channel closed; the reopened channel can consume it again.
        let again = try await channel.consume(queue: queue, prefetch: 1)
        var second = again.makeAsyncIterator()
        let redelivered = try #require(try await second.next())
        #expect(redelivered.redelivered)
        try redelivered.ack()
        try await channel.deleteQueue(queue)
        await connection.close()
    }

    @Test func quorumQueueDeliveryLimitDeadLetters() async throws {
        let connection = try await TestBroker.connect()
        let channel = try await connection.openChannel(confirms: true)
        let queue = TestBroker.unique("limited")
        let dead = TestBroker.unique("dead")
        try await channel.declareQueue(dead)
        try await channel.declareQueue(
            queue,
            arguments: [
                "x-queue-type": "quorum", "x-delivery-limit": 2, "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": .string(dead),
            ])
        try await channel.publish(Array("poison".utf8), routingKey: queue, properties: .persistent)
        let consumer = try await channel.consume(queue: queue, prefetch: 1)
        var counts: [Int?] = []
        var iterator = consumer.makeAsyncIterator()
        while counts.count < 3, let delivery = try await iterator.next() {
            counts.append(delivery.deliveryCount)
            try delivery.nack(requeue: true)
        }
        #expect(counts == [nil, 1, 2])
        let deadConsumer = try await channel.consume(queue: dead)
        var deadIterator = deadConsumer.makeAsyncIterator()
        let deadLettered = try #require(try await deadIterator.next())
        #expect(deadLettered.body == Array("poison".utf8))
        #expect(deadLettered.properties.headers?["x-death"] != nil)
        try deadLettered.ack()
        try await consumer.cancel()
        try await channel.deleteQueue(queue)
        try await channel.deleteQueue(dead)
        await connection.close()
    }

    @Test func idleConnectionSurvivesThreeHeartbeatIntervals() async throws {
        let connection = try await TestBroker.connect(heartbeat: .seconds(1))
        let events = connection.events()
        let channel = try await connection.openChannel(confirms: true)
        let queue = TestBroker.unique("idle")
        try await channel.declareQueue(queue, autoDelete: true)
        try await Task.sleep(for: .milliseconds(3500))
        try await channel.publish([1], routingKey: queue)
        #expect(connection.isConnected)
        await connection.close()
        var seen: [ConnectionEvent] = []
        for await event in events { seen.append(event) }
        #expect(seen == [.closed], "no disconnect while idle")
    }
}

@Suite("Closing after the last ack")
struct CloseAfterAckTests {
    /// Acks made right before `close()` must all reach the broker: nothing acked may come back. (The wrapper also
    /// cancels consumers before closing, because RabbitMQ can drop acks that reach a quorum queue just before the
    /// channel closes; that upstream race did not reproduce on this machine, so this test guards the end-to-end
    /// property, e.g. that pending acks are flushed before the connection closes.)
    @Test func acksJustBeforeCloseAreNotLostOnAQuorumQueue() async throws {
        let queue = TestBroker.unique("close-after-ack")
        let admin = try await TestBroker.connect()
        let adminChannel = try await admin.openChannel(confirms: true)
        try await adminChannel.declareQueue(queue, arguments: ["x-queue-type": "quorum"])
        let total = 2000
        let confirmations = (0..<total).map { i in
            adminChannel.publishWithDeferredConfirm(Array("\(i)".utf8), routingKey: queue, properties: .persistent)
        }
        for confirmation in confirmations { try await confirmation.wait() }

        let connection = try await TestBroker.connect()
        let channel = try await connection.openChannel(prefetch: 500)
        var received = 0
        // Keep the consumer registered (no break out of a for loop, which would cancel it) and close the connection.
        let consumer = try await channel.consume(queue: queue)
        var iterator = consumer.makeAsyncIterator()
        while received < total, let delivery = try await iterator.next() {
            try delivery.ack()
            received += 1
        }
        await connection.close()
        withExtendedLifetime(consumer) {}
        #expect(received == total)
        let left = try await adminChannel.declareQueue(queue, passive: true).messageCount
        #expect(left == 0, "acked messages came back: \(left)")
        try await adminChannel.deleteQueue(queue)
        await admin.close()
    }
}

@Suite("Consuming on the connection's thread")
struct ConnectionExecutorTests {
    @Test func consumerPreferringTheConnectionExecutorReceivesAndAcksEverything() async throws {
        let connection = try await TestBroker.connect()
        let channel = try await connection.openChannel(confirms: true, prefetch: 100)
        let queue = TestBroker.unique("executor")
        try await channel.declareQueue(queue, autoDelete: true)
        let total = 500
        for confirmation in (0..<total).map({
            channel.publishWithDeferredConfirm(Array("\($0)".utf8), routingKey: queue)
        }) {
            try await confirmation.wait()
        }
        let consumer = try await channel.consume(queue: queue)
        let received = try await withTaskExecutorPreference(connection.executor) {
            var received = Set<String>()
            for try await delivery in consumer {
                received.insert(String(decoding: delivery.body, as: UTF8.self))
                try delivery.ack()
                if received.count == total { break }
            }
            return received
        }
        #expect(received.count == total)
        let admin = try await connection.openChannel()
        #expect(await eventually { (try? await admin.declareQueue(queue, passive: true).messageCount) == 0 })
        await connection.close()
        // After close, work preferring the executor still runs (on the global executor).
        let afterClose = await withTaskExecutorPreference(connection.executor) { 42 }
        #expect(afterClose == 42)
    }
}
