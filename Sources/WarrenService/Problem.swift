import Foundation
public import HTTPTypes
public import Hummingbird

/// An RFC 9457 problem document (`application/problem+json`): the one error body both services return.
///
/// A value type; `Sendable`; thrown from handlers like any error and turned into a response by Hummingbird (it is
/// an `HTTPResponseError`) or by ``ProblemMiddleware``. `detail` must be safe to show: no credentials, no
/// internals.
public struct Problem: Error, HTTPResponseError, Sendable {
    /// The media type of the body.
    public static let mediaType = "application/problem+json"

    /// The HTTP status.
    public var status: HTTPResponse.Status
    /// What went wrong and, where it helps, what to do about it.
    public var detail: String
    /// Extra response headers (`Retry-After`, `Allow`, `WWW-Authenticate`, …).
    public var headers: HTTPFields

    /// A problem with `status`, `detail` and optional extra headers.
    public init(_ status: HTTPResponse.Status, detail: String, headers: HTTPFields = [:]) {
        self.status = status
        self.detail = detail
        self.headers = headers
    }

    /// A `503` that tells the client when to come back.
    public static func unavailable(_ detail: String, retryAfter seconds: Int) -> Problem {
        var headers = HTTPFields()
        headers[.retryAfter] = String(max(seconds, 1))
        return Problem(.serviceUnavailable, detail: detail, headers: headers)
    }

    /// The JSON body: `type`, `title`, `status`, `detail`, and `instance` when given.
    public func body(instance: String? = nil) -> [UInt8] {
        var object: [String: Any] = [
            "type": "about:blank", "title": status.reasonPhrase, "status": status.code, "detail": detail,
        ]
        if let instance { object["instance"] = instance }
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
        return data.map { Array($0) } ?? []
    }

    /// The response: status, problem JSON body, the extra headers.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var fields = headers
        fields[.contentType] = Self.mediaType
        fields[.cacheControl] = "no-store"
        return Response(
            status: status, headers: fields,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body(instance: request.uri.path))))
    }
}
