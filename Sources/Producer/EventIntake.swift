import AMQP
import CoreMetrics
import Foundation
import Logging
import Warren

/// The async-mode path of `POST /v1/events`: make the event safe, then answer.
///
/// Safe means confirmed by the broker within the publish timeout, or committed to the outbox. While the outbox
/// holds anything, new events queue behind it (order is kept); while the broker is down, blocked or slow, they go
/// straight to the outbox. `Sendable`; called concurrently by requests.
struct EventIntake: Sendable {
    /// How an event was made safe.
    enum Outcome: Sendable {
        /// Confirmed by the broker.
        case published(id: String)
        /// Committed to the outbox; forwarded when the broker is back.
        case spooled(id: String)
        /// The idempotency key was used before: nothing new was done.
        case replayed(EventRecord)
    }

    let configuration: ProducerConfiguration
    let store: ProducerStore
    let broker: BrokerSession
    let forwarder: WakeSignal
    let metrics: ProducerMetrics
    let logger: Logger

    /// Makes `event` safe; throws ``ProducerError/outboxFull(limit:)`` or ``ProducerError/storage(_:)`` when it
    /// cannot (nothing is then kept).
    ///
    /// The event and its outbox row are committed durably first, in one transaction; only then is it published
    /// (when nothing waits in the outbox and the broker is ready). A confirm deletes the row; anything else leaves it
    /// to the forwarder. So every `202` names an event that reaches the broker, through a crash too.
    func accept(_ event: CloudEvent, idempotencyKey: String?, callbackURL: String?) async throws -> Outcome {
        let direct = broker.isReady && store.outboxCount == 0
        let seq: Int64
        do {
            let acceptance = try await store.accept(
                event, idempotencyKey: idempotencyKey, callbackURL: callbackURL, publishing: direct,
                outboxLimit: configuration.outboxLimit)
            switch acceptance {
            case .existing(let record): return .replayed(record)
            case .accepted(let outboxSeq): seq = outboxSeq
            }
        } catch ProducerError.outboxFull(let limit) {
            metrics.rejectedFull.increment()
            throw ProducerError.outboxFull(limit: limit)
        }
        guard direct else {
            spooled()
            return .spooled(id: event.id)
        }
        let start = ContinuousClock.now
        do {
            let broker = self.broker
            let timeout = configuration.publishTimeout
            try await withDeadline(timeout) { try await broker.publish(event, timeout: timeout) }
        } catch {
            store.directPublishFailed(seq)
            metrics.confirmsFailed.increment()
            logger.warning(
                "publish not confirmed; left in the outbox", metadata: ["event.id": "\(event.id)", "error": "\(error)"])
            spooled()
            return .spooled(id: event.id)
        }
        metrics.publishLatency.recordNanoseconds((ContinuousClock.now - start).nanoseconds)
        metrics.confirmsAcked.increment()
        metrics.acceptedDirect.increment()
        do {
            try await store.publishedDirectly(seq)
        } catch {
            // Confirmed all the same: the row is forwarded again later, a duplicate the consumer suppresses.
            logger.warning(
                "cannot delete a confirmed event from the outbox",
                metadata: ["event.id": "\(event.id)", "error": "\(error)"])
            forwarder.wake()
        }
        return .published(id: event.id)
    }

    private func spooled() {
        metrics.acceptedSpooled.increment()
        metrics.outboxDepth.record(store.outboxCount)
        forwarder.wake()
    }
}

extension Duration {
    /// The duration in whole nanoseconds (saturating).
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : product &+ attoseconds / 1_000_000_000
    }
}
