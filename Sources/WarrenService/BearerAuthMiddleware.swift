import HTTPTypes
public import Hummingbird

/// Requires `Authorization: Bearer <token>` on the routes it guards; `401` problem with `WWW-Authenticate`
/// otherwise. The comparison takes the same time whatever the first difference (no timing oracle), and the token
/// never appears in a response or a log.
///
/// A value type; `Sendable`. With a nil token it lets everything through (authentication off).
public struct BearerAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    private let token: [UInt8]?

    /// Guards with `token`, or nothing when nil.
    public init(token: String?) {
        self.token = token.map { Array($0.utf8) }
    }

    /// Checks the header, then runs the rest of the chain.
    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let token else { return try await next(request, context) }
        let header = request.headers[.authorization] ?? ""
        let prefix = "bearer "
        guard header.count > prefix.count, header.prefix(prefix.count).lowercased() == prefix,
            Self.constantTimeEqual(Array(header.utf8.dropFirst(prefix.count)), token)
        else {
            var headers = HTTPFields()
            headers[.wwwAuthenticate] = "Bearer realm=\"warren\""
            throw Problem(
                .unauthorized, detail: "a valid bearer token is required: Authorization: Bearer <token>",
                headers: headers)
        }
        return try await next(request, context)
    }

    static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        var difference = UInt8(lhs.count == rhs.count ? 0 : 1)
        for index in 0..<max(lhs.count, rhs.count) {
            let left = index < lhs.count ? lhs[index] : 0
            let right = index < rhs.count ? rhs[index] : 0
            difference |= left ^ right
        }
        return difference == 0
    }
}
