import Foundation
import HTTPTypes
import Logging
import Warren
import WarrenService

/// `POST /v1/process`: the producer's sync mode. Runs the same handler inline, with the same store, idempotency
/// and deadline as the queue path, attempt 1, no retries.
///
/// A value type; `Sendable`; called concurrently from HTTP request tasks.
struct SyncProcessor: Sendable {
    let registry: HandlerRegistry
    let store: ProcessedStore
    let runner: HandlerRunner
    let stats: ConsumerStats
    let state: ConsumerState
    let logger: Logger

    /// Processes the structured CloudEvent in `body`; the status update to answer with, or a ``Problem`` (422 for
    /// an invalid event or unknown type, 503 while shutting down, 500 when the store fails).
    func process(_ body: [UInt8], traceparent headerTraceparent: String?) async throws -> StatusUpdate {
        guard !state.isDraining else {
            throw Problem.unavailable("the consumer is shutting down; retry shortly", retryAfter: 1)
        }
        let event: CloudEvent
        do {
            event = try CloudEvent.decode(body)
        } catch {
            throw Problem(.unprocessableContent, detail: error.description)
        }
        let traceparent = headerTraceparent ?? event.traceparent
        var logger = logger
        logger[metadataKey: "event.id"] = "\(event.id)"
        logger[metadataKey: "event.type"] = "\(event.type)"
        if let traceparent { logger[metadataKey: "traceparent"] = "\(traceparent)" }
        do {
            if let record = try await store.record(id: event.id) {
                stats.duplicateSuppressed()
                return record.statusUpdate
            }
            guard let handler = registry.handler(for: event.type) else {
                throw Problem(
                    .unprocessableContent, detail: "no handler for event type \"\(event.type.prefix(64))\"")
            }
            switch await runner.run(handler, event: event, attempt: 1, traceparent: traceparent, logger: logger) {
            case .cancelled:
                throw Problem.unavailable("the consumer is shutting down; retry shortly", retryAfter: 1)
            case .failed(let failure, _):
                logger.info("sync processing failed: \(failure.reason.prefix(200))")
                return StatusUpdate(id: event.id, status: .failed, attempt: 1, at: Date(), error: failure.reason)
            case .succeeded(let result, let duration):
                let record = ProcessedRecord(
                    id: event.id, type: event.type, attempt: 1, result: result, processedAt: Date(),
                    handlerDuration: duration)
                switch try await store.commit(record) {
                case .committed:
                    stats.processedOne()
                    return record.statusUpdate
                case .duplicate(let existing):
                    stats.duplicateSuppressed()
                    return existing.statusUpdate
                }
            }
        } catch let error as ConsumerError {
            logger.error("sync processing: \(error)")
            throw Problem(.internalServerError, detail: "the consumer's store failed; retry later")
        }
    }
}
