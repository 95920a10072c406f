public import ServiceLifecycle

/// Tells systemd `STOPPING=1` the moment a graceful shutdown begins, runs `onShutdown` (logs, and `/readyz` turns
/// 503), then holds the shutdown of the services before it for the drain delay (`--drain-delay`).
///
/// A `Service`: put it last in the service group, so it is the first to hear of the shutdown.
public struct ShutdownNotifier: Service, CustomStringConvertible {
    /// The name ServiceLifecycle logs.
    public var description: String { "ShutdownNotifier" }

    private let notifier: SystemdNotifier
    private let onShutdown: @Sendable () -> Void
    private let drainDelay: Duration

    /// A notifier for `notifier`, waiting `drainDelay` after `onShutdown`.
    public init(
        notifier: SystemdNotifier, drainDelay: Duration = .zero, onShutdown: @escaping @Sendable () -> Void = {}
    ) {
        self.notifier = notifier
        self.drainDelay = drainDelay
        self.onShutdown = onShutdown
    }

    /// Waits for the graceful shutdown, then notifies, calls `onShutdown` (which turns `/readyz` to 503) and waits
    /// `drainDelay` before returning. Placed last in the service group, it is the first to be shut down, and the
    /// group shuts the HTTP server (listed before it) down only after this returns: load balancers see the 503 and
    /// stop sending before the listener closes.
    public func run() async throws {
        try? await gracefulShutdown()
        notifier.stopping(status: "shutting down: finishing in-flight work")
        onShutdown()
        if drainDelay > .zero { try? await Task.sleep(for: drainDelay) }
    }
}
