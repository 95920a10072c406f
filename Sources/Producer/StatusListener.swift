import AMQP
import CoreMetrics
import Logging
import ServiceLifecycle
import Warren
import WarrenService

/// Reads the consumer's status updates from this producer's durable queue (`warren.status.<name>`) into the store,
/// then tells SSE streams, the webhook dispatcher and the backlog estimator.
///
/// A `Service`. Acks each update only after it is committed, so a producer restart loses none. Updates for events
/// this producer never accepted (other producers' events) and stale or malformed ones are acked and dropped.
///
/// The queue is consumed exclusively (and its consumer count checked, which quorum queues need: they do not
/// enforce exclusive consumers): two producers with the same `--name` would each drop the other's updates.
/// When the very first attempt finds the queue in use, the service throws ``ProducerError/statusQueueInUse`` and
/// the producer stops with that error; later (a reconnect that races the broker noticing the old connection's
/// end) it warns and retries. The queue is declared by ``StatusQueueDeclarer``.
struct StatusListener: Service, CustomStringConvertible {
    /// The name ServiceLifecycle logs (never the members: some hold secrets).
    var description: String { "StatusListener" }

    let configuration: ProducerConfiguration
    let store: ProducerStore
    let broker: BrokerSession
    let declarer: StatusQueueDeclarer
    let broadcaster: StatusBroadcaster
    let webhooks: WakeSignal
    let estimator: BacklogEstimator
    let metrics: ProducerMetrics
    let logger: Logger

    func run() async throws {
        let progress = Progress()
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await listen(progress)
                } catch is CancellationError {
                    return
                } catch let error as ProducerError {
                    throw error
                } catch {
                    logger.warning("status listener stopped; restarting", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        }
    }

    /// What earlier attempts found out. Only this service's task touches it.
    private final class Progress: @unchecked Sendable {
        var consumedOnce = false
    }

    private func listen(_ progress: Progress) async throws {
        let link = try await broker.waitForLink()
        let channel = try await link.connection.openChannel()
        // Closed on every way out: a listener restarted after an error must not leave its channel (and up to 256
        // unacknowledged updates) behind.
        do {
            let queue = try await declarer.declare(on: channel)
            // Classic queues refuse a second exclusive consumer (403); quorum queues accept it silently, so the
            // consumer count is checked before and after consuming too (two producers starting at once both stop).
            guard try await channel.declareQueue(queue, passive: true).consumerCount == 0 else {
                try await inUse(queue, progress, broker: "another consumer is attached")
            }
            let consumer: Consumer
            do {
                consumer = try await channel.consume(queue: queue, prefetch: 256, exclusive: true)
            } catch AMQPError.channelClosed(403, let text) {
                try await inUse(queue, progress, broker: text)
            }
            guard try await channel.declareQueue(queue, passive: true).consumerCount <= 1 else {
                try await inUse(queue, progress, broker: "another consumer attached at the same time")
            }
            progress.consumedOnce = true
            logger.info("listening for status updates", metadata: ["queue": "\(queue)"])
            for try await delivery in consumer {
                try await handle(delivery)
            }
        } catch {
            await channel.close()
            throw error
        }
        await channel.close()
    }

    /// Another connection consumes `queue`: fatal on the first attempt, else a warning and a retry.
    private func inUse(_ queue: String, _ progress: Progress, broker: String) async throws -> Never {
        guard progress.consumedOnce else {
            throw ProducerError.statusQueueInUse(queue: queue, name: configuration.name)
        }
        logger.warning(
            "status queue in use; retrying (the broker may not have noticed the old connection's end yet)",
            metadata: ["queue": "\(queue)", "broker": "\(broker)"])
        try await Task.sleep(for: .seconds(2))
        throw AMQPError.channelClosed(code: 403, text: broker)
    }

    private func handle(_ delivery: Delivery) async throws {
        let update: StatusUpdate
        do {
            update = try StatusUpdate.decode(delivery.body)
        } catch {
            logger.warning("dropping a malformed status update", metadata: ["error": "\(error)"])
            try? delivery.ack()
            return
        }
        let application = try await store.apply(update)
        if case .applied(let change, let webhook) = application {
            metrics.statusUpdates.increment()
            broadcaster.publish(change)
            if update.status.isFinal { estimator.recordFinal() }
            if webhook { webhooks.wake() }
            logger.debug(
                "status", metadata: ["event.id": "\(update.id)", "status": "\(update.status.rawValue)"])
        }
        try? delivery.ack()
    }
}
