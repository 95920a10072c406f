public import Logging
import Synchronization

/// A connection to a RabbitMQ broker, owned by one dedicated I/O thread.
///
/// Lifecycle: ``connect(_:logger:)`` returns once the handshake succeeded with one of the configured endpoints
/// (tried in order). The connection then recovers by itself after a loss (see ``RecoveryPolicy``): it reconnects
/// with capped, jittered backoff, trying the next endpoint each time, reopens channels, restores qos and confirm
/// mode, declares again the topology it declared, and registers its consumers again. Publishes whose confirm never
/// came fail with a retryable ``AMQPError/connectionLost(reason:)`` so no message is silently lost. Call
/// ``close()`` when done (or use ``withConnection(_:logger:_:)``); dropping the last reference also closes it.
///
/// Threading: `Sendable`. rabbitmq-c is not thread-safe, so every C call for this connection and its channels runs
/// on the connection's own thread; tasks hand it commands and await the answers. No blocking call ever runs on
/// Swift's cooperative pool. Heartbeats are serviced by that thread even when the application is idle.
public final class Connection: Sendable {
    let loop: IOLoop

    private init(loop: IOLoop) {
        self.loop = loop
    }

    deinit {
        loop.closeWithoutWaiting()
    }

    /// Connects to the first reachable endpoint of `configuration`.
    ///
    /// Throws ``AMQPError/connectionFailed(endpoint:reason:)``, ``AMQPError/authenticationFailed(endpoint:)``,
    /// ``AMQPError/tlsFailed(endpoint:reason:)`` or ``AMQPError/connectionClosed(code:text:)`` for the last
    /// endpoint tried when none accepted.
    public static func connect(
        _ configuration: ConnectionConfiguration,
        logger: Logger = Logger(label: "amqp", factory: { _ in SwiftLogNoOpLogHandler() })
    ) async throws -> Connection {
        guard !configuration.endpoints.isEmpty else {
            throw AMQPError.invalidConfiguration("no endpoint configured")
        }
        let loop = IOLoop(configuration: configuration, logger: logger)
        try await withCheckedThrowingContinuation { (connected: CheckedContinuation<Void, any Error>) in
            loop.start(connected: connected)
        }
        return Connection(loop: loop)
    }

    /// Connects, runs `body`, and closes the connection on every path.
    public static func withConnection<Result: Sendable>(
        _ configuration: ConnectionConfiguration,
        logger: Logger = Logger(label: "amqp", factory: { _ in SwiftLogNoOpLogHandler() }),
        _ body: (Connection) async throws -> Result
    ) async throws -> Result {
        let connection = try await connect(configuration, logger: logger)
        do {
            let result = try await body(connection)
            await connection.close()
            return result
        } catch {
            await connection.close()
            throw error
        }
    }

    /// Opens a channel.
    ///
    /// - Parameters:
    ///   - confirms: put the channel in publisher-confirm mode (`confirm.select`), so each publish resumes when
    ///     the broker has taken responsibility for the message.
    ///   - prefetch: `basic.qos` prefetch count for consumers on this channel, restored after recovery.
    ///   - maxInFlight: the most unconfirmed publishes on the wire; further publishes wait on the I/O thread.
    public func openChannel(confirms: Bool = false, prefetch: UInt16? = nil, maxInFlight: Int = 1000) async throws
        -> Channel
    {
        guard let id = loop.allocateChannelID() else {
            throw AMQPError.closed
        }
        let channel = Channel(id: id, confirmMode: confirms, maxInFlight: max(1, maxInFlight), loop: loop)
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
            if !loop.submit(.openChannel(channel, prefetch: prefetch, done)) { done.resume(throwing: AMQPError.closed) }
        }
        return channel
    }

    /// A task executor on this connection's I/O thread, for consumers that must not pay a thread hand-off per
    /// batch of deliveries. See ``ConnectionExecutor`` for the rules.
    public var executor: ConnectionExecutor { ConnectionExecutor(loop: loop) }

    /// Whether the connection is up right now (false while recovering and after close).
    public var isConnected: Bool { loop.connected.load(ordering: .relaxed) }

    /// Whether the broker has blocked publishing on this connection (memory or disk alarm).
    public var isBlocked: Bool { loop.blocked.load(ordering: .relaxed) }

    /// How long since the connection's I/O thread last went round its loop (zero before it started).
    ///
    /// The loop goes round at least once a second while it runs, even when idle; a larger value means a blocking
    /// call holds the thread (a connect or handshake in progress, up to their timeouts, or a synchronous method
    /// waiting on a broker that stopped reading, up to the RPC timeout). Services gate systemd's watchdog on it.
    /// Safe from any thread.
    public var ioLoopIdleTime: Duration {
        let last = loop.lastTick.load(ordering: .relaxed)
        guard last > 0 else { return .zero }
        return .nanoseconds(max(0, IOLoop.monotonicNanoseconds() - last))
    }

    /// The endpoint currently connected to (password redacted), if any.
    public var endpointDescription: String? { loop.currentEndpoint.withLock { $0?.description } }

    /// A new stream of this connection's events (loss, recovery, blocked, unblocked, closed). Each call returns an
    /// independent stream that ends when the connection is closed.
    public func events() -> AsyncStream<ConnectionEvent> {
        loop.events.subscribe()
    }

    /// Closes the connection (`connection.close`): unconfirmed publishes fail with ``AMQPError/closed``, consumers
    /// end, the I/O thread exits. Safe to call more than once.
    public func close() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            if !loop.submit(.close(done)) { done.resume() }
        }
    }
}
