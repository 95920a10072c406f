import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Real HTTP requests for tests, through async-http-client's shared client.
public enum TestHTTP {
    /// A response, body collected (up to 16 MiB).
    public struct Reply: Sendable {
        /// Status code.
        public var status: Int
        /// Headers (names case-insensitive), in order.
        public var headers: [(name: String, value: String)]
        /// The first value of header `name` (case-insensitive), or nil.
        public func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }
        /// Body bytes.
        public var body: [UInt8]
        /// The body as UTF-8 text.
        public var text: String { String(decoding: body, as: UTF8.self) }
        /// The body parsed as a JSON object (empty when it is not one).
        public var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
        }
    }

    /// Sends one request and collects the reply; throws on connection failure or timeout.
    public static func request(
        _ method: String, _ url: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
        timeout: Duration = .seconds(30)
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(body) }
        let response = try await HTTPClient.shared.execute(
            request,
            timeout: .nanoseconds(
                Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        return Reply(
            status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
            body: Array(buffer: bytes))
    }

    /// `GET url`.
    public static func get(_ url: String, headers: [(String, String)] = []) async throws -> Reply {
        try await request("GET", url, headers: headers)
    }

    /// `POST url` with a JSON body (`Content-Type: application/json` unless `headers` set one).
    public static func postJSON(_ url: String, _ json: String, headers: [(String, String)] = []) async throws -> Reply {
        var all = headers
        if !all.contains(where: { $0.0.lowercased() == "content-type" }) {
            all.append(("Content-Type", "application/json"))
        }
        return try await request("POST", url, headers: all, body: Array(json.utf8))
    }
}
