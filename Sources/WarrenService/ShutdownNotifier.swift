public import ServiceLifecycle

/// Tells systemd `STOPPING=1` the moment a graceful shutdown begins, and runs `onShutdown` (for logs).
///
/// A `Service`: put it last in the service group, so it is the first to hear of the shutdown.
public struct ShutdownNotifier: Service, CustomStringConvertible {
    /// The name ServiceLifecycle logs.
    public var description: String { "ShutdownNotifier" }

    private let notifier: SystemdNotifier
    private let onShutdown: @Sendable () -> Void

    /// A notifier for `notifier`.
    public init(notifier: SystemdNotifier, onShutdown: @escaping @Sendable () -> Void = {}) {
        self.notifier = notifier
        self.onShutdown = onShutdown
    }

    /// Waits for the graceful shutdown, then notifies.
    public func run() async throws {
        try? await gracefulShutdown()
        notifier.stopping(status: "shutting down: finishing in-flight work")
        onShutdown()
    }
}
