import AMQP
import Foundation

/// What the HTTP side and the watchdog need to know about the consumer loop: the broker connection, whether it
/// consumes, whether it is shutting down.
///
/// `@unchecked Sendable`: every stored property is only read or written with `lock` held.
public final class ConsumerState: @unchecked Sendable {
    private let lock = NSLock()
    private var connection: Connection?
    private var consuming = false
    private var draining = false
    private var stopping = false

    /// Not connected, not consuming.
    public init() {}

    /// Whether the consumer is registered on the queue over a live connection and not shutting down.
    public var isReady: Bool {
        lock.withLock { consuming && !draining && !stopping && (connection?.isConnected ?? false) }
    }

    /// The broker connection, once there is one (for the watchdog's I/O-loop check).
    var currentConnection: Connection? { lock.withLock { connection } }

    /// Whether a graceful shutdown began.
    public var isDraining: Bool { lock.withLock { draining } }

    /// Why the consumer is not ready, for `/readyz`.
    public var notReadyReason: String {
        lock.withLock {
            if draining || stopping { return "the consumer is shutting down" }
            guard let connection else { return "waiting for the broker" }
            if !connection.isConnected { return "the broker connection is down; recovering" }
            return consuming ? "ready" : "not consuming yet"
        }
    }

    func setConnection(_ connection: Connection?) { lock.withLock { self.connection = connection } }
    func setConsuming(_ value: Bool) { lock.withLock { consuming = value } }
    func beginDraining() { lock.withLock { draining = true } }
    /// SIGTERM arrived: `/readyz` answers 503 from now on (the drain delay), while consuming goes on until the
    /// consumer service is told to stop.
    func beginStopping() { lock.withLock { stopping = true } }
}
