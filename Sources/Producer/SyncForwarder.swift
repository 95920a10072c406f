import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Warren

/// Sync mode: hands an event to the consumer's `POST /v1/process` and waits for the outcome (synchronous RPC, the
/// contrast to the async mode: a dead or hung consumer shows up here as errors and blocked requests).
///
/// `Sendable`; called concurrently by requests through one shared `HTTPClient` (connection pooling, keep-alive).
struct SyncForwarder: Sendable {
    let client: HTTPClient
    let consumerURL: String
    let timeout: Duration
    /// Sent as `Authorization: Bearer` when set (never logged).
    var token: String?

    /// The consumer's outcome, or ``ProducerError/consumerUnreachable(_:)`` (connect failed: `503`),
    /// ``ProducerError/consumerTimeout`` (no answer within ``timeout``: `504`), or
    /// ``ProducerError/consumerFailed(status:detail:)`` (an unexpected answer: `502`, or the consumer's 4xx).
    func process(_ event: CloudEvent) async throws -> StatusUpdate {
        var request = HTTPClientRequest(url: consumerURL + "/v1/process")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: CloudEvent.mediaType)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        request.body = .bytes(event.encoded())
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await client.execute(request, timeout: .nanoseconds(timeout.nanoseconds))
            body = try await response.body.collect(upTo: 4 << 20)
        } catch let error as HTTPClientError
            where error == .deadlineExceeded || error == .readTimeout || error == .writeTimeout
        {
            throw ProducerError.consumerTimeout
        } catch {
            throw ProducerError.consumerUnreachable(Self.summary(error))
        }
        let bytes = Array(buffer: body)
        if response.status.code == 401 {
            throw ProducerError.consumerFailed(
                status: 401, detail: "the consumer refused this producer's token (set --consumer-token-file)")
        }
        guard response.status.code == 200 else {
            let detail = (try? JSONValue.parse(bytes))?.objectValue?["detail"]?.stringValue ?? "no detail"
            throw ProducerError.consumerFailed(status: Int(response.status.code), detail: detail)
        }
        do {
            return try StatusUpdate.decode(bytes)
        } catch {
            throw ProducerError.consumerFailed(status: 200, detail: "unreadable outcome: \(error.reason)")
        }
    }

    private static func summary(_ error: any Error) -> String {
        if let error = error as? HTTPClientError, error == .connectTimeout { return "connect timed out" }
        let text = "\(error)"
        if text.contains("refused") || text.contains("ECONNREFUSED") { return "connection refused" }
        return String(text.prefix(200))
    }
}
