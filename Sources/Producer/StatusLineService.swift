import ServiceLifecycle
import WarrenService

/// Keeps systemd's `STATUS=` line current (every 2 s, only when it changed), e.g. "accepting; connected to …;
/// outbox 0".
struct StatusLineService: Service, CustomStringConvertible {
    /// The name ServiceLifecycle logs (never the members: some hold secrets).
    var description: String { "StatusLineService" }

    let notifier: SystemdNotifier
    let line: @Sendable () -> String

    func run() async throws {
        guard notifier.isEnabled else { return }
        await cancelWhenGracefulShutdown {
            var last = ""
            while !Task.isCancelled {
                let text = line()
                if text != last {
                    notifier.status(text)
                    last = text
                }
                try? await Task.sleep(for: .seconds(2))
            }
        }
    }
}
