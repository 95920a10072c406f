public import HTTPTypes

/// The routes a service serves, as `(method, path template)` pairs such as `GET /v1/events/{id}`.
///
/// A value type; `Sendable`. Used for `405 Method Not Allowed` with `Allow` and by the tests that keep the OpenAPI
/// document true. Templates match one path segment per `{name}`.
public struct RouteTable: Sendable {
    /// One route.
    public struct Route: Sendable, Hashable {
        /// The method.
        public var method: HTTPRequest.Method
        /// The path template, e.g. `/v1/events/{id}/stream`.
        public var path: String
    }

    /// Every route, in registration order.
    public private(set) var routes: [Route] = []

    /// An empty table.
    public init() {}

    /// Adds a route.
    public mutating func add(_ method: HTTPRequest.Method, _ path: String) {
        routes.append(Route(method: method, path: path))
    }

    /// The methods some route serves on `path` (empty when no template matches it).
    public func allowedMethods(for path: String) -> [HTTPRequest.Method] {
        let segments = Self.segments(path)
        var methods: [HTTPRequest.Method] = []
        for route in routes where Self.matches(template: Self.segments(route.path), path: segments) {
            if !methods.contains(route.method) { methods.append(route.method) }
        }
        return methods
    }

    private static func segments(_ path: String) -> [Substring] {
        let trimmed = path.split(separator: "?", maxSplits: 1).first ?? ""
        return trimmed.split(separator: "/", omittingEmptySubsequences: true)
    }

    private static func matches(template: [Substring], path: [Substring]) -> Bool {
        guard template.count == path.count else { return false }
        return zip(template, path).allSatisfy { pattern, segment in
            (pattern.hasPrefix("{") && pattern.hasSuffix("}")) || pattern == segment
        }
    }
}
