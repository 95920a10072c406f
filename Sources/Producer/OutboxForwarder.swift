import AMQP
import CoreMetrics
import Logging
import ServiceLifecycle

/// Forwards the outbox to the broker, oldest first, whenever the broker is ready.
///
/// A `Service`. Each round reads up to ``batchSize`` events, publishes them pipelined with confirms, and deletes
/// exactly those the broker confirmed; on any failure it backs off and tries the rest again later (a publish that
/// was sent but not confirmed may reach the consumer twice: its store suppresses the duplicate). On graceful
/// shutdown it finishes the round in progress; whatever is left stays in the outbox for the next start.
struct OutboxForwarder: Service, CustomStringConvertible {
    /// The name ServiceLifecycle logs (never the members: some hold secrets).
    var description: String { "OutboxForwarder" }

    let store: ProducerStore
    let broker: BrokerSession
    let signal: WakeSignal
    let metrics: ProducerMetrics
    let logger: Logger
    var batchSize = 500
    var confirmTimeout: Duration = .seconds(10)

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var failures = 0
            while !Task.isCancelled {
                if store.outboxCount == 0 || !broker.isReady {
                    await signal.wait(timeout: .milliseconds(500))
                    continue
                }
                let forwarded = await forwardOneBatch()
                if forwarded {
                    failures = 0
                } else {
                    failures += 1
                    await signal.wait(timeout: .milliseconds(min(200 * failures, 5000)))
                }
            }
        }
    }

    /// Publishes one batch; true when every event in it was confirmed.
    private func forwardOneBatch() async -> Bool {
        let batch: (items: [ProducerStore.OutboxItem], dropped: [Int64])
        do {
            batch = try await store.outboxBatch(limit: batchSize)
        } catch {
            logger.error("cannot read the outbox", metadata: ["error": "\(error)"])
            return false
        }
        if !batch.dropped.isEmpty {
            logger.error("dropping undecodable outbox rows", metadata: ["count": "\(batch.dropped.count)"])
        }
        var pending: [(Int64, Confirmation)] = []
        for item in batch.items {
            guard let confirmation = try? broker.publishDeferred(item.event, timeout: confirmTimeout) else { break }
            pending.append((item.seq, confirmation))
        }
        var confirmed = batch.dropped
        var allConfirmed = pending.count == batch.items.count
        for (seq, confirmation) in pending {
            do {
                try await confirmation.wait()
                confirmed.append(seq)
            } catch {
                allConfirmed = false
            }
        }
        do {
            try await store.removeFromOutbox(confirmed)
        } catch {
            logger.error("cannot remove forwarded events from the outbox", metadata: ["error": "\(error)"])
            return false
        }
        let forwarded = confirmed.count - batch.dropped.count
        if forwarded > 0 {
            metrics.outboxForwarded.increment(by: forwarded)
            logger.info(
                "forwarded events from the outbox", metadata: ["count": "\(forwarded)", "left": "\(store.outboxCount)"])
        }
        metrics.outboxDepth.record(store.outboxCount)
        return allConfirmed
    }
}
