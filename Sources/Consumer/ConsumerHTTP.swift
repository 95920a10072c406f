import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Warren
import WarrenService

/// The consumer's HTTP API (Hummingbird 2): `GET /healthz`, `GET /readyz`, `GET /metrics`, `GET /v1/stats`,
/// `POST /v1/process`. Every error is an RFC 9457 problem (``ProblemMiddleware``).
///
/// Stateless builder; the router it returns is `Sendable` and serves requests concurrently.
enum ConsumerHTTP {
    /// The routes, for `405` answers.
    static var routes: RouteTable {
        var table = RouteTable()
        table.add(.get, "/healthz")
        table.add(.get, "/readyz")
        table.add(.get, "/metrics")
        table.add(.get, "/v1/stats")
        table.add(.post, "/v1/process")
        return table
    }

    /// The media types `POST /v1/process` accepts.
    static let acceptedMediaTypes: Set<String> = [CloudEvent.mediaType, "application/json"]

    /// Builds the router; `/v1/*` requires `authToken` as a bearer token when it is set.
    static func router(
        sync: SyncProcessor, store: ProcessedStore, stats: ConsumerStats, state: ConsumerState, bodyLimit: Int,
        authToken: String?
    ) -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: ProblemMiddleware(routes: routes, bodyLimit: bodyLimit))
        router.get("/healthz") { _, _ in json(["status": "alive"]) }
        router.get("/readyz") { _, _ in
            guard state.isReady else { throw Problem.unavailable(state.notReadyReason, retryAfter: 1) }
            return json(["status": "ready"])
        }
        router.get("/metrics") { _, _ in PrometheusExport.response() }
        let v1 = router.group("/v1").add(middleware: BearerAuthMiddleware(token: authToken))
        v1.get("/stats") { _, _ in
            let totals = try await store.totals()
            let snapshot = stats.snapshot
            return json([
                "processed": snapshot.processed, "duplicatesSuppressed": snapshot.duplicatesSuppressed,
                "retried": snapshot.retried, "deadLettered": snapshot.deadLettered, "inFlight": snapshot.inFlight,
                "effects": totals.effects, "storedEvents": totals.events, "failed": snapshot.failed,
                "maxInFlight": snapshot.maxInFlight, "deliveriesInProgress": snapshot.deliveriesInProgress,
                "deliveries": snapshot.deliveries,
                "redeliveries": snapshot.redeliveries, "acks": snapshot.acks, "consuming": state.isReady,
            ])
        }
        v1.post("/process") { request, _ in
            let mediaType = request.headers[.contentType]?.split(separator: ";").first
                .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let mediaType, acceptedMediaTypes.contains(mediaType) else {
                throw Problem(
                    .unsupportedMediaType,
                    detail: "send the structured CloudEvent as application/cloudevents+json or application/json")
            }
            let buffer = try await request.body.collect(upTo: bodyLimit)
            let update = try await sync.process(
                Array(buffer.readableBytesView), traceparent: request.headers[HTTPField.Name("traceparent")!])
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(
                status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: update.encoded())))
        }
        return router
    }

    /// A `200` JSON response with sorted keys.
    static func json(_ object: [String: Any]) -> Response {
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
