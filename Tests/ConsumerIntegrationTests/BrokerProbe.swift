import AMQP
import Foundation
import Testing
import Warren
import WarrenProcess
import WarrenTestSupport

/// The test's own view of the broker: declares the consumer's topology and a status queue, publishes events and
/// raw messages, reads status updates and dead letters.
final class BrokerProbe: Sendable {
    let connection: Connection
    let channel: Channel
    let topology: Topology
    let statusQueue: String

    private init(connection: Connection, channel: Channel, topology: Topology, statusQueue: String) {
        self.connection = connection
        self.channel = channel
        self.topology = topology
        self.statusQueue = statusQueue
    }

    /// Declares the topology exactly as a consumer with `TestConsumer.retryDelays` does, plus a status queue.
    static func open(prefix: String, queueType: QueueType = .classic, url: String = TestBroker.url) async throws
        -> BrokerProbe
    {
        var configuration = try ConnectionConfiguration(url: url)
        configuration.connectionName = "warren-consumer-tests"
        let connection = try await Connection.connect(configuration)
        let channel = try await connection.openChannel(confirms: true)
        let topology = Topology(
            prefix: prefix, queueType: queueType, retryDelays: [.milliseconds(200), .milliseconds(400)])
        try await topology.declare(on: channel)
        let statusQueue = try await topology.declareStatusQueue(named: "tests", on: channel)
        return BrokerProbe(connection: connection, channel: channel, topology: topology, statusQueue: statusQueue)
    }

    /// A `demo.work` event with `data`.
    static func demoEvent(id: String = UUID().uuidString.lowercased(), data: JSONValue?, type: String = "demo.work")
        -> CloudEvent
    {
        CloudEvent(id: id, source: "/tests", type: type, time: Date(), data: data)
    }

    /// Publishes `event` to the events exchange as attempt 1 (confirmed).
    func publish(_ event: CloudEvent) async throws {
        let (body, properties) = EventMessage.encode(event, attempt: 1)
        try await channel.publish(
            body, exchange: topology.eventsExchange, routingKey: EventMessage.routingKey(for: event),
            properties: properties, mandatory: true)
    }

    /// Publishes raw bytes to the events exchange (confirmed).
    func publishRaw(_ body: [UInt8], routingKey: String, messageID: String) async throws {
        try await channel.publish(
            body, exchange: topology.eventsExchange, routingKey: routingKey,
            properties: BasicProperties(deliveryMode: .persistent, messageID: messageID), mandatory: true)
    }

    /// Ready messages in `queue`.
    func messageCount(_ queue: String) async throws -> UInt32 {
        try await channel.declareQueue(queue, passive: true).messageCount
    }

    /// Consumes `queue` (acking) until `done` holds for everything received, or `timeout` passes.
    func collect(
        _ queue: String, timeout: Duration = .seconds(30), until done: @escaping @Sendable ([Delivery]) -> Bool
    ) async throws -> [Delivery] {
        let consumer = try await channel.consume(queue: queue, prefetch: 500)
        return try await withThrowingTaskGroup(of: [Delivery]?.self) { group in
            group.addTask {
                var received: [Delivery] = []
                for try await delivery in consumer {
                    try delivery.ack()
                    received.append(delivery)
                    if done(received) { break }
                }
                return received
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            try? await consumer.cancel()
            return first ?? []
        }
    }

    /// Status updates from the status queue until `done` holds for them (all events' updates, in arrival order).
    func statuses(
        timeout: Duration = .seconds(30), until done: @escaping @Sendable ([StatusUpdate]) -> Bool
    ) async throws -> [StatusUpdate] {
        let deliveries = try await collect(statusQueue, timeout: timeout) { deliveries in
            done(deliveries.compactMap { try? StatusUpdate.decode($0.body) })
        }
        return deliveries.compactMap { try? StatusUpdate.decode($0.body) }
    }

    /// Closes the connection after deleting every queue and exchange of the topology (best effort).
    func cleanUp() async {
        for queue in topology.queues.map(\.name) + [statusQueue] { _ = try? await channel.deleteQueue(queue) }
        for exchange in topology.exchanges { try? await channel.deleteExchange(exchange.name) }
        await connection.close()
    }
}

extension [StatusUpdate] {
    /// Whether a final status arrived for each of `ids`.
    func final(for ids: some Sequence<String>) -> Bool {
        let finished = Set(filter(\.status.isFinal).map(\.id))
        return ids.allSatisfy(finished.contains)
    }
}
