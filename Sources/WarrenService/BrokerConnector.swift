public import AMQP
public import Logging

/// The first connection of a service to its broker, retried until it works: a service starts (and serves HTTP)
/// without a broker, and connects as soon as one is reachable. After that, the `AMQP` library's own recovery
/// takes over.
///
/// Stateless; call from any task. Honours task cancellation between attempts (throws `CancellationError`).
public enum BrokerConnector {
    /// Connects with `configuration`, retrying every failure after a capped, jittered backoff (`backoff`).
    ///
    /// Each failure is logged once as a warning with what failed and what to check (credentials never appear:
    /// `AMQPError` descriptions are safe), and reported to `onFailure` (for `STATUS=` and metrics).
    public static func connect(
        _ configuration: ConnectionConfiguration, logger: Logger,
        backoff: Backoff = Backoff(initial: .milliseconds(200), maximum: .seconds(5)),
        onFailure: @Sendable (_ error: any Error, _ attempt: Int) -> Void = { _, _ in }
    ) async throws -> Connection {
        var attempt = 0
        while true {
            try Task.checkCancellation()
            do {
                let connection = try await Connection.connect(configuration, logger: logger)
                if attempt > 0 { logger.notice("connected to the broker after \(attempt + 1) attempts") }
                return connection
            } catch {
                attempt += 1
                onFailure(error, attempt)
                let delay = backoff.delay(attempt: attempt - 1)
                logger.warning(
                    "cannot connect to the broker; retrying",
                    metadata: [
                        "error": "\(error)", "attempt": "\(attempt)", "retry_in": "\(delay)",
                        "hint": "\(hint(for: error))",
                    ])
                try await Task.sleep(for: delay)
            }
        }
    }

    /// What to check for `error`.
    static func hint(for error: any Error) -> String {
        switch error as? AMQPError {
        case .authenticationFailed?: "check the user name and password in the AMQP URL (or its file)"
        case .tlsFailed?: "check the CA file, client certificate and the server's host name"
        case .connectionClosed?: "check that the vhost exists and the user may use it"
        default: "check that RabbitMQ runs and the AMQP URL's host and port are right"
        }
    }
}
