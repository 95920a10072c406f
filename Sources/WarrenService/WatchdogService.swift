public import AMQP
public import ServiceLifecycle

/// Sends systemd's `WATCHDOG=1` at half the interval systemd asked for, but only while the service is healthy:
/// `isHealthy` says so, and the broker connection's I/O thread is not stuck (it goes round its loop at least once
/// a second; stuck longer than half the interval, or 3 s, counts as wedged). A wedged service stops petting the
/// watchdog and systemd restarts it.
///
/// A `Service` for the service group; does nothing (returns at once) when no watchdog is configured. Stops on
/// graceful shutdown or cancellation.
public struct WatchdogService: Service, CustomStringConvertible {
    /// The name ServiceLifecycle logs.
    public var description: String { "WatchdogService" }

    private let notifier: SystemdNotifier
    private let isHealthy: @Sendable () -> Bool
    private let connection: @Sendable () -> Connection?

    /// A watchdog for `notifier`'s interval, gated by `isHealthy` and by the I/O loop of `connection` (nil while
    /// there is none); both are called from the service's task.
    public init(
        notifier: SystemdNotifier, connection: @escaping @Sendable () -> Connection? = { nil },
        isHealthy: @escaping @Sendable () -> Bool
    ) {
        self.notifier = notifier
        self.connection = connection
        self.isHealthy = isHealthy
    }

    /// The longest I/O-loop stall still counted as healthy for a watchdog `interval`.
    public static func stallLimit(interval: Duration) -> Duration {
        max(interval / 2, .seconds(3))
    }

    /// Pets the watchdog until shutdown.
    public func run() async throws {
        guard let interval = notifier.watchdogInterval else { return }
        let period = interval / 2
        let limit = Self.stallLimit(interval: interval)
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let stalled = (connection()?.ioLoopIdleTime ?? .zero) > limit
                if isHealthy(), !stalled { notifier.watchdog() }
                try? await Task.sleep(for: period)
            }
        }
    }
}
