import Crypto
public import Warren

/// The built-in `demo.work` handler, used by the demo and the tests.
///
/// Waits `sleep_ms` (cancellable), fails retryably while the attempt is at most `fail_times`, then succeeds with
/// `{"input": data, "sha256": hex SHA-256 of the canonical data JSON, "result": result}`. Invalid data is a
/// permanent failure. Stateless; `Sendable`.
public struct DemoWorkHandler: EventHandler {
    /// The event type it handles.
    public static let type = "demo.work"

    /// Creates the handler.
    public init() {}

    /// Runs one event (see the type's documentation).
    public func handle(_ event: CloudEvent, context: EventHandlerContext) async throws -> JSONValue {
        let request = try DemoWorkRequest.parse(event.data)
        if request.sleepMilliseconds > 0 {
            try await Task.sleep(for: .milliseconds(request.sleepMilliseconds))
        }
        if context.attempt <= request.failTimes {
            throw HandlerFailure.retryable(
                reason: "demo.work simulated failure on attempt \(context.attempt) of \(request.failTimes)")
        }
        return Self.result(data: event.data, request: request)
    }

    /// The success result for `data`.
    static func result(data: JSONValue?, request: DemoWorkRequest) -> JSONValue {
        let input = data ?? .null
        let digest = SHA256.hash(data: input.encoded())
        let hex = digest.map { byte in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }.joined()
        return .object(["input": input, "sha256": .string(hex), "result": request.result ?? .null])
    }
}
