import AMQP
import Foundation
import Warren

/// Reads every message of a dead-letter queue without losing any: they arrive as unacknowledged deliveries (the
/// prefetch holds them all), the caller acks the ones it took care of, and ``release(_:)`` puts the rest back.
struct DeadLetterReader {
    let channel: Channel
    let topology: Topology

    /// Up to `limit` messages of the dead-letter queue (as many as it held when called), unacknowledged.
    /// Throws `AMQPError.channelClosed(404, …)` when the queue does not exist.
    func read(limit: Int, timeout: Duration) async throws -> (Consumer, [Delivery]) {
        let info = try await channel.declareQueue(topology.deadQueue, passive: true)
        let wanted = min(limit, Int(info.messageCount), Int(UInt16.max))
        let consumer = try await channel.consume(queue: topology.deadQueue, prefetch: UInt16(max(wanted, 1)))
        guard wanted > 0 else { return (consumer, []) }
        let received = try await withThrowingTaskGroup(of: [Delivery]?.self) { group in
            group.addTask {
                var received: [Delivery] = []
                for try await delivery in consumer {
                    received.append(delivery)
                    if received.count >= wanted { break }
                }
                return received
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first ?? []
        }
        return (consumer, received)
    }

    /// Cancels the consumer, then returns `deliveries` to the queue (nack with requeue) so nothing is lost.
    func release(_ consumer: Consumer, _ deliveries: [Delivery]) async throws {
        try? await consumer.cancel()
        for delivery in deliveries { try delivery.nack(requeue: true) }
    }
}
