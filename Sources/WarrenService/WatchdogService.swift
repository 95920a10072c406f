public import ServiceLifecycle

/// Sends systemd's `WATCHDOG=1` at half the interval systemd asked for, but only while `isHealthy` says so: a
/// service whose broker loop is stuck stops petting the watchdog and systemd restarts it.
///
/// A `Service` for the service group; does nothing (returns at once) when no watchdog is configured. Stops on
/// graceful shutdown or cancellation.
public struct WatchdogService: Service, CustomStringConvertible {
    /// The name ServiceLifecycle logs.
    public var description: String { "WatchdogService" }

    private let notifier: SystemdNotifier
    private let isHealthy: @Sendable () -> Bool

    /// A watchdog for `notifier`'s interval, gated by `isHealthy` (called from the service's task).
    public init(notifier: SystemdNotifier, isHealthy: @escaping @Sendable () -> Bool) {
        self.notifier = notifier
        self.isHealthy = isHealthy
    }

    /// Pets the watchdog until shutdown.
    public func run() async throws {
        guard let interval = notifier.watchdogInterval else { return }
        let period = interval / 2
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                if isHealthy() { notifier.watchdog() }
                try? await Task.sleep(for: period)
            }
        }
    }
}
