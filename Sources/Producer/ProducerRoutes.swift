import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import WarrenService

/// Builds the producer's router: the `/v1/events` API behind optional bearer authentication, health, readiness,
/// metrics and the OpenAPI document, with problem+json errors (404/405/413 included) and request metrics.
enum ProducerRoutes {
    /// Every route served (the OpenAPI test compares these with docs/openapi.yaml).
    static var table: RouteTable {
        var table = RouteTable()
        table.add(.post, "/v1/events")
        table.add(.get, "/v1/events/{id}")
        table.add(.get, "/v1/events/{id}/stream")
        table.add(.get, "/healthz")
        table.add(.get, "/readyz")
        table.add(.get, "/metrics")
        table.add(.get, "/openapi.yaml")
        return table
    }

    static func router(
        controller: EventsController, configuration: ProducerConfiguration,
        readiness: @escaping @Sendable () -> (Bool, String)
    ) -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: ProblemMiddleware(routes: table, bodyLimit: configuration.bodyLimit))
        router.get("/healthz") { _, _ in json(["status": "alive"]) }
        router.get("/readyz") { _, _ in
            let (ready, summary) = readiness()
            guard ready else { throw Problem.unavailable("not ready: \(summary)", retryAfter: 1) }
            return json(["status": "ready", "detail": summary])
        }
        router.get("/metrics") { _, _ in PrometheusExport.response() }
        router.get("/openapi.yaml") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "application/yaml"
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml + "\n")))
        }
        let v1 = router.group("/v1").add(middleware: BearerAuthMiddleware(token: configuration.authToken))
        v1.post("/events") { request, context in try await controller.create(request, context: context) }
        v1.get("/events/:id") { request, context in try await controller.show(request, context: context) }
        v1.get("/events/:id/stream") { request, context in try await controller.stream(request, context: context) }
        return router
    }

    private static func json(_ object: [String: String]) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data()
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
