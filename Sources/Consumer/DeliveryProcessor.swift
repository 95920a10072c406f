import AMQP
import Foundation
import Logging
import Warren

/// What happens to one delivery from `warren.events`, from decoding to the acknowledgement.
///
/// 1. Too large, not a CloudEvent → dead-lettered with the reason, acked. 2. Already in the store → acked without
/// running the handler (a suppressed duplicate), its final status published again. 3. No handler for its type →
/// dead-lettered, status `dead-lettered`, acked. 4. Otherwise status `processing`, the handler runs with its
/// deadline; success → result and "processed" mark committed in one transaction → status `succeeded` → ack;
/// failure → ``RetryPolicy`` decides: republish to a retry queue with the next attempt → status `retrying` → ack,
/// or dead-letter → status `failed` (permanent) or `dead-lettered` (attempts exhausted) → ack.
///
/// Every publish before an ack is confirmed; when one fails (broker gone, nack, timeout) the delivery is not acked
/// but returned to the queue a second later, and the store makes the next try idempotent. A shutdown that cancels
/// the handler leaves the delivery unacknowledged. A value type; `Sendable`; runs concurrently for many deliveries.
struct DeliveryProcessor: Sendable {
    let registry: HandlerRegistry
    let store: ProcessedStore
    let publisher: OutcomePublisher
    let runner: HandlerRunner
    let policy: RetryPolicy
    let stats: ConsumerStats
    let maxMessageBytes: Int
    let logger: Logger

    /// Handles `delivery` to the end (ack, or left for redelivery). Never throws.
    func process(_ delivery: Delivery) async {
        stats.delivered(redelivered: delivery.redelivered)
        stats.deliveryInProgress(true)
        defer { stats.deliveryInProgress(false) }
        var logger = logger
        logger[metadataKey: "amqp.delivery_tag"] = "\(delivery.deliveryTag)"
        logger[metadataKey: "amqp.routing_key"] = "\(delivery.routingKey.prefix(256))"
        let attempt = EventMessage.attempt(in: delivery.properties)
        guard delivery.body.count <= maxMessageBytes else {
            let reason = "the body is \(delivery.body.count) bytes; the limit is \(maxMessageBytes)"
            await deadLetterInvalid(delivery, reason: reason, attempt: attempt, logger: logger)
            return
        }
        let event: CloudEvent
        do {
            event = try EventMessage.decode(body: delivery.body, properties: delivery.properties).event
        } catch {
            await deadLetterInvalid(delivery, reason: error.reason, attempt: attempt, logger: logger)
            return
        }
        let traceparent = delivery.properties.headers?[EventMessage.traceparentHeader]?.stringValue ?? event.traceparent
        logger[metadataKey: "event.id"] = "\(event.id)"
        logger[metadataKey: "event.type"] = "\(event.type)"
        if let traceparent { logger[metadataKey: "traceparent"] = "\(traceparent)" }
        await process(delivery, event: event, attempt: attempt, traceparent: traceparent, logger: logger)
    }

    private func process(
        _ delivery: Delivery, event: CloudEvent, attempt: Int, traceparent: String?, logger: Logger
    ) async {
        do {
            if let record = try await store.record(id: event.id) {
                logger.info("already processed; acknowledging the duplicate without running the handler")
                stats.duplicateSuppressed()
                try await publisher.status(record.statusUpdate, traceparent: traceparent)
                ack(delivery, logger: logger)
                return
            }
            guard let handler = registry.handler(for: event.type) else {
                let reason = "no handler for event type \"\(event.type.prefix(64))\""
                logger.warning("dead-lettering: \(reason)")
                try await publisher.deadLetter(delivery, reason: reason, attempts: attempt)
                stats.deadLettered(permanent: false)
                try await publisher.status(
                    StatusUpdate(id: event.id, status: .deadLettered, attempt: attempt, at: Date(), error: reason),
                    traceparent: traceparent)
                ack(delivery, logger: logger)
                return
            }
            try await publisher.status(
                StatusUpdate(id: event.id, status: .processing, attempt: attempt, at: Date()), traceparent: traceparent,
                confirmed: false)
            let outcome = await runner.run(
                handler, event: event, attempt: attempt, traceparent: traceparent, logger: logger)
            switch outcome {
            case .cancelled:
                logger.notice("handler cancelled by shutdown; the message stays unacknowledged for redelivery")
            case .succeeded(let result, let duration):
                let record = ProcessedRecord(
                    id: event.id, type: event.type, attempt: attempt, result: result, processedAt: Date(),
                    handlerDuration: duration)
                let update: StatusUpdate
                do {
                    switch try await store.commit(record) {
                    case .committed:
                        stats.processedOne()
                        update = record.statusUpdate
                    case .duplicate(let existing):
                        logger.info("another run committed this event first; its result stands")
                        stats.duplicateSuppressed()
                        update = existing.statusUpdate
                    }
                } catch {
                    logger.error("cannot commit the result: \(error)")
                    try await fail(
                        delivery, event: event, attempt: attempt, failure: .retryable(reason: "\(error)"),
                        traceparent: traceparent, logger: logger)
                    return
                }
                try await publisher.status(update, traceparent: traceparent)
                ack(delivery, logger: logger)
            case .failed(let failure, _):
                try await fail(
                    delivery, event: event, attempt: attempt, failure: failure, traceparent: traceparent,
                    logger: logger)
            }
        } catch {
            await leaveForRedelivery(delivery, error: error, logger: logger)
        }
    }

    /// Retries or dead-letters a failed attempt, publishes the status, acks.
    private func fail(
        _ delivery: Delivery, event: CloudEvent, attempt: Int, failure: HandlerFailure, traceparent: String?,
        logger: Logger
    ) async throws {
        switch policy.decide(attempt: attempt, failure: failure) {
        case .retry(let delay, let queue):
            logger.info("attempt \(attempt) failed; retrying in \(delay): \(failure.reason.prefix(200))")
            try await publisher.retry(
                event, attempt: attempt + 1, exchange: queue, routingKey: delivery.routingKey, traceparent: traceparent)
            stats.retried()
            try await publisher.status(
                StatusUpdate(id: event.id, status: .retrying, attempt: attempt, at: Date(), error: failure.reason),
                traceparent: traceparent)
        case .deadLetter(let reason):
            logger.warning("dead-lettering: \(reason.prefix(200))")
            try await publisher.deadLetter(delivery, reason: reason, attempts: attempt)
            stats.deadLettered(permanent: !failure.isRetryable)
            try await publisher.status(
                StatusUpdate(
                    id: event.id, status: failure.isRetryable ? .deadLettered : .failed, attempt: attempt, at: Date(),
                    error: reason), traceparent: traceparent)
        }
        ack(delivery, logger: logger)
    }

    /// Dead-letters a message that is not a valid event (no status: its id cannot be trusted), then acks.
    private func deadLetterInvalid(_ delivery: Delivery, reason: String, attempt: Int, logger: Logger) async {
        logger.warning("dead-lettering an invalid message: \(reason)")
        do {
            try await publisher.deadLetter(delivery, reason: reason, attempts: attempt)
            stats.deadLettered(permanent: false)
            ack(delivery, logger: logger)
        } catch {
            await leaveForRedelivery(delivery, error: error, logger: logger)
        }
    }

    private func ack(_ delivery: Delivery, logger: Logger) {
        do {
            try delivery.ack()
            stats.acked()
        } catch {
            logger.notice("cannot acknowledge (\(error)); the broker will redeliver and the store suppresses it")
        }
    }

    /// A publish before the ack failed: do not ack; give the message back a second later (not at once, so a broker
    /// that refuses publishes does not turn into a hot loop). After a connection loss the delivery is stale and the
    /// broker has already requeued it.
    private func leaveForRedelivery(_ delivery: Delivery, error: any Error, logger: Logger) async {
        logger.warning("not acknowledged, will be redelivered: \(error)")
        do {
            try await Task.sleep(for: .seconds(1))
            try delivery.nack(requeue: true)
        } catch {
            logger.debug("left unacknowledged: \(error)")
        }
    }
}
