import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Warren
import WarrenService

/// The `/v1/events` routes: accept an event (async `202` or sync `200`), read its status, stream its changes.
///
/// A value type; `Sendable`; its handlers run concurrently on Hummingbird's request tasks. Every error is a
/// ``Problem`` with a clear detail.
struct EventsController: Sendable {
    let configuration: ProducerConfiguration
    let intake: EventIntake
    let callbackGuard: CallbackGuard
    let sync: SyncForwarder
    let store: ProducerStore
    let broadcaster: StatusBroadcaster
    let estimator: BacklogEstimator

    // MARK: - POST /v1/events

    func create(_ request: Request, context: some RequestContext) async throws -> Response {
        var request = request
        let mode = try mode(for: request)
        try checkContentType(request)
        let body = try await collectBody(&request)
        let json: JSONValue
        do {
            json = try JSONValue.parse(body.readableBytesView)
        } catch {
            throw Problem(.badRequest, detail: "malformed JSON: \(error.reason)")
        }
        guard case .object(var members) = json else {
            throw Problem(
                .unprocessableContent,
                detail:
                    "expected a JSON object such as {\"type\": \"demo.work\", \"data\": {...}}, got \(json.kindDescription)"
            )
        }
        let callbackURL = try await callbackURL(request: request, members: &members)
        members["traceparent"] = .string(traceparent(request: request, members: members))
        let event: CloudEvent
        do {
            event = try CloudEvent.normalize(shortForm: members)
        } catch {
            throw Problem(.unprocessableContent, detail: error.reason)
        }
        let key = try idempotencyKey(request)
        var logger = context.logger
        logger[metadataKey: "event.id"] = "\(event.id)"
        logger[metadataKey: "traceparent"] = "\(event.traceparent ?? "")"
        switch mode {
        case .async: return try await accept(event, key: key, callbackURL: callbackURL, logger: logger)
        case .sync: return try await process(event, key: key, logger: logger)
        }
    }

    private func accept(_ event: CloudEvent, key: String?, callbackURL: String?, logger: Logger) async throws
        -> Response
    {
        let outcome: EventIntake.Outcome
        do {
            outcome = try await intake.accept(event, idempotencyKey: key, callbackURL: callbackURL)
        } catch ProducerError.eventExists(let id) {
            var headers = HTTPFields()
            headers[.location] = EventRecord.statusPath(id)
            throw Problem(
                .conflict,
                detail: "an event with id \(WarrenError.quote(id)) was already accepted (its status is at Location); "
                    + "send a new id or none, or retry with the same Idempotency-Key",
                headers: headers)
        } catch ProducerError.outboxFull(let limit) {
            throw Problem.unavailable(
                "the broker is unavailable and the outbox is full (\(limit) events); retry later",
                retryAfter: estimator.retryAfterSeconds())
        } catch let error as ProducerError {
            // The error's text names files and SQLite's state: the log gets it, the client does not.
            logger.error("event not accepted", metadata: ["error": "\(error)"])
            throw Problem.unavailable("the event could not be stored; retry later", retryAfter: 5)
        }
        let id: String
        var status = EventStatus.accepted
        var replayed = false
        switch outcome {
        case .published(let eventID):
            id = eventID
            logger.debug("accepted (confirmed by the broker)")
        case .spooled(let eventID):
            id = eventID
            logger.info("accepted into the outbox")
        case .replayed(let record):
            id = record.id
            status = record.status
            replayed = true
        }
        var headers = HTTPFields()
        headers[.location] = EventRecord.statusPath(id)
        headers[.retryAfter] = String(estimator.retryAfterSeconds())
        headers[.contentType] = "application/json"
        if replayed { headers[HTTPField.Name("Idempotent-Replayed")!] = "true" }
        let body = JSONValue.object([
            "id": .string(id), "status": .string(status.rawValue), "statusUrl": .string(EventRecord.statusPath(id)),
        ])
        return Response(
            status: .accepted, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body.encoded())))
    }

    private func process(_ event: CloudEvent, key: String?, logger: Logger) async throws -> Response {
        if let key, let existing = try await storedEvent(idempotencyKey: key) {
            guard existing.status.isFinal else {
                throw Problem(
                    .conflict,
                    detail: "the event of this Idempotency-Key is still in progress (its status is at Location); "
                        + "retry later with the same key",
                    headers: [.location: EventRecord.statusPath(existing.id)])
            }
            let update = StatusUpdate(
                id: existing.id, status: existing.status, attempt: existing.attempt, at: existing.updatedAt,
                result: existing.result, error: existing.error)
            return syncResponse(update, replayed: true)
        }
        // An id already known is another event's (an async one still pending, perhaps): never run this data
        // under it, and never let its outcome overwrite that event's.
        if try await storedEvent(id: event.id) != nil {
            throw Problem(
                .conflict,
                detail: "an event with id \(WarrenError.quote(event.id)) was already accepted (its status is at "
                    + "Location); send a new id or none",
                headers: [.location: EventRecord.statusPath(event.id)])
        }
        let outcome: StatusUpdate
        do {
            outcome = try await sync.process(event)
        } catch let error as ProducerError {
            logger.warning("sync call to the consumer failed", metadata: ["error": "\(error)"])
            switch error {
            case .consumerTimeout:
                throw Problem(
                    .gatewayTimeout,
                    detail: "the consumer did not answer within \(configuration.syncTimeout); the outcome is unknown")
            case .consumerFailed(let status, let detail) where status == 422:
                throw Problem(.unprocessableContent, detail: "the consumer refused the event: \(detail)")
            case .consumerFailed(let status, let detail) where status == 503:
                throw Problem.unavailable("the consumer is unavailable: \(detail)", retryAfter: 1)
            case .consumerFailed:
                throw Problem(.badGateway, detail: "\(error)")
            default:
                throw Problem.unavailable("\(error); retry later", retryAfter: 1)
            }
        }
        do {
            try await store.recordSync(event, idempotencyKey: key, outcome: outcome)
        } catch {
            logger.warning("sync outcome not recorded", metadata: ["error": "\(error)"])
        }
        return syncResponse(outcome, replayed: false)
    }

    private func syncResponse(_ outcome: StatusUpdate, replayed: Bool) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.location] = EventRecord.statusPath(outcome.id)
        if replayed { headers[HTTPField.Name("Idempotent-Replayed")!] = "true" }
        return Response(
            status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: outcome.encoded())))
    }

    private func storedEvent(id: String) async throws -> EventRecord? {
        do {
            return try await store.event(id: id)
        } catch {
            throw Problem.unavailable("the event store is unavailable; retry later", retryAfter: 5)
        }
    }

    private func storedEvent(idempotencyKey: String) async throws -> EventRecord? {
        do {
            return try await store.event(idempotencyKey: idempotencyKey)
        } catch {
            throw Problem.unavailable("the event store is unavailable; retry later", retryAfter: 5)
        }
    }

    // MARK: - GET /v1/events/{id}

    func show(_ request: Request, context: some RequestContext) async throws -> Response {
        let id = try eventID(context)
        guard let record = try await store.event(id: id) else {
            throw Problem(.notFound, detail: "no event with id \(WarrenError.quote(id)) is known to this producer")
        }
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        if !record.status.isFinal { headers[.retryAfter] = String(estimator.retryAfterSeconds()) }
        return Response(
            status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: record.json().encoded())))
    }

    // MARK: - GET /v1/events/{id}/stream

    func stream(_ request: Request, context: some RequestContext) async throws -> Response {
        let id = try eventID(context)
        guard try await store.event(id: id) != nil else {
            throw Problem(.notFound, detail: "no event with id \(WarrenError.quote(id)) is known to this producer")
        }
        let lastEventID = request.headers[HTTPField.Name("Last-Event-ID")!].flatMap { Int64($0) } ?? 0
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        headers[HTTPField.Name("X-Accel-Buffering")!] = "no"
        let store = self.store
        let broadcaster = self.broadcaster
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                let (token, changes) = broadcaster.subscribe(id: id)
                defer { broadcaster.unsubscribe(id: id, token: token) }
                var last = lastEventID
                try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
                for change in try await store.history(id: id, after: last) {
                    try await writer.write(ServerSentEvent.status(change))
                    last = change.seq
                    if change.update.status.isFinal {
                        try await writer.finish(nil)
                        return
                    }
                }
                let (merged, feed) = AsyncStream.makeStream(of: StatusChange?.self)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await change in changes { feed.yield(change) }
                        feed.finish()
                    }
                    group.addTask {
                        while true {
                            try await Task.sleep(for: .seconds(15))
                            feed.yield(nil)  // keep-alive comment
                        }
                    }
                    // The producer is stopping: end the stream cleanly instead of holding the shutdown until the
                    // event's final status; the client reconnects (`retry: 2000`) with `Last-Event-ID`.
                    group.addTask {
                        try? await gracefulShutdown()
                        feed.finish()
                    }
                    for await item in merged {
                        guard let change = item else {
                            try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                            continue
                        }
                        guard change.seq > last else { continue }
                        try await writer.write(ServerSentEvent.status(change))
                        last = change.seq
                        if change.update.status.isFinal { break }
                    }
                    group.cancelAll()
                }
                try await writer.finish(nil)
            })
    }

    // MARK: - Inputs

    /// The whole body, checked: `413` over the limit, `400` when it ends before it is complete (the client closed
    /// or stopped within its Content-Length, broken chunking, the request deadline). Both say `Connection: close`,
    /// so no half-read body is left on the connection.
    private func collectBody(_ request: inout Request) async throws -> ByteBuffer {
        var closing = HTTPFields()
        closing[.connection] = "close"
        let tooLarge = Problem(
            .contentTooLarge, detail: "the request body is larger than the \(configuration.bodyLimit) byte limit",
            headers: closing)
        let declared = request.headers[.contentLength].flatMap { Int($0) }
        if let declared, declared > configuration.bodyLimit { throw tooLarge }
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: configuration.bodyLimit)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw tooLarge
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw Problem(
                .badRequest, detail: "the request body ended before it was complete; send the whole body",
                headers: closing)
        }
        if let declared, body.readableBytes != declared {
            throw Problem(
                .badRequest,
                detail:
                    "the request body ended after \(body.readableBytes) of the \(declared) bytes its Content-Length "
                    + "announced",
                headers: closing)
        }
        return body
    }

    private func mode(for request: Request) throws -> ProducerConfiguration.Mode {
        if let value = request.uri.queryParameters["mode"] {
            guard let mode = ProducerConfiguration.Mode(rawValue: String(value)) else {
                throw Problem(.badRequest, detail: "mode must be async or sync")
            }
            if mode == .sync, configuration.mode == .async, !configuration.allowSyncOverride {
                throw Problem(
                    .forbidden,
                    detail: "this producer runs in async mode and does not let a request choose sync mode "
                        + "(its operator can allow it with --allow-sync-override); send the event without ?mode=sync")
            }
            return mode
        }
        let prefer = request.headers[values: HTTPField.Name("Prefer")!].joined(separator: ",").lowercased()
        if prefer.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == "respond-async" })
        {
            return .async
        }
        return configuration.mode
    }

    private func checkContentType(_ request: Request) throws {
        let type = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces)
            .lowercased()
        guard type == "application/json" || type == CloudEvent.mediaType else {
            throw Problem(
                .unsupportedMediaType,
                detail: "Content-Type must be application/json (short form) or \(CloudEvent.mediaType) (structured)")
        }
    }

    private func idempotencyKey(_ request: Request) throws -> String? {
        guard let value = request.headers[HTTPField.Name("Idempotency-Key")!] else { return nil }
        switch RequestValidation.idempotencyKey(value) {
        case .success(let key): return key
        case .failure(let failure): throw Problem(.badRequest, detail: failure.reason)
        }
    }

    private func callbackURL(request: Request, members: inout [String: JSONValue]) async throws -> String? {
        let fromQuery = request.uri.queryParameters["callback_url"].map(String.init)
        let fromEvent = members["callbackurl"]?.stringValue
        if members["callbackurl"] != nil, fromEvent == nil {
            throw Problem(.unprocessableContent, detail: "callbackurl must be a string")
        }
        guard let value = fromQuery ?? fromEvent else { return nil }
        switch RequestValidation.callbackURL(value) {
        case .success(let url):
            if let host = URLComponents(string: url)?.host {
                do {
                    _ = try await callbackGuard.target(host: host)
                } catch {
                    throw Problem(.unprocessableContent, detail: error.description)
                }
            }
            members["callbackurl"] = .string(url)
            return url
        case .failure(let failure): throw Problem(.unprocessableContent, detail: failure.reason)
        }
    }

    private func traceparent(request: Request, members: [String: JSONValue]) -> String {
        if let header = request.headers[HTTPField.Name("traceparent")!],
            let valid = RequestValidation.traceparent(header)
        {
            return valid
        }
        if let own = members["traceparent"]?.stringValue, let valid = RequestValidation.traceparent(own) {
            return valid
        }
        return RequestValidation.newTraceparent()
    }

    private func eventID(_ context: some RequestContext) throws -> String {
        let raw = try context.parameters.require("id")
        let id = raw.removingPercentEncoding ?? raw
        guard RequestValidation.isPlausibleID(id) else {
            throw Problem(.notFound, detail: "no event with that id is known to this producer")
        }
        return id
    }
}
