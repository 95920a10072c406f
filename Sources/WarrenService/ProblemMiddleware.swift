import HTTPTypes
public import Hummingbird
import Logging

/// Turns every error a route throws into an RFC 9457 ``Problem`` response, so no error leaks internals.
///
/// - ``Problem`` passes through as thrown.
/// - Hummingbird's own errors (`HTTPError`, body over the limit: `413` with `Connection: close`) keep their status
///   with a clear detail; an unknown
///   path is `404`, and a known path with the wrong method is `405` with `Allow` (from ``RouteTable``).
/// - Anything else is logged with the request id and answered `500` with a generic detail.
///
/// A value type; `Sendable`; install it first (outermost) on the router.
public struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    private let routes: RouteTable
    private let bodyLimit: Int

    /// A middleware that knows the service's `routes` (for `405`) and its body limit (for the `413` detail).
    public init(routes: RouteTable, bodyLimit: Int) {
        self.routes = routes
        self.bodyLimit = bodyLimit
    }

    /// Runs the rest of the chain and converts what it throws.
    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            return try problem.response(from: request, context: context)
        } catch let error as any HTTPResponseError {
            return try problem(for: error, request: request).response(from: request, context: context)
        } catch is CancellationError {
            return try Problem.unavailable("the service is shutting down; retry shortly", retryAfter: 1)
                .response(from: request, context: context)
        } catch {
            context.logger.error(
                "unhandled error",
                metadata: ["error": "\(String(reflecting: type(of: error)))", "path": "\(request.uri.path)"])
            return try Problem(.internalServerError, detail: "internal error; see the service log for request id")
                .response(from: request, context: context)
        }
    }

    private func problem(for error: any HTTPResponseError, request: Request) -> Problem {
        let message = (error as? HTTPError)?.body
        switch error.status {
        case .notFound:
            let allowed = routes.allowedMethods(for: request.uri.path)
            if !allowed.isEmpty, message == nil {
                var headers = HTTPFields()
                headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
                return Problem(
                    .methodNotAllowed,
                    detail:
                        "\(request.method.rawValue) is not allowed on \(request.uri.path); use \(headers[.allow] ?? "")",
                    headers: headers)
            }
            return Problem(.notFound, detail: message ?? "no route for \(request.uri.path)")
        case .contentTooLarge:
            // The rest of the body is never read: the connection closes after the answer.
            var headers = HTTPFields()
            headers[.connection] = "close"
            return Problem(
                .contentTooLarge, detail: "the request body is larger than the \(bodyLimit) byte limit",
                headers: headers)
        default:
            var headers = (error as? HTTPError)?.headers ?? [:]
            headers[.contentType] = nil
            return Problem(error.status, detail: message ?? error.status.reasonPhrase, headers: headers)
        }
    }
}
