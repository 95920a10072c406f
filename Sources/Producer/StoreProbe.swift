import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle

/// Keeps `/readyz` honest about the store: every ``interval`` it writes one tiny row (``ProducerStore/probeWrite()``,
/// at most ``timeout``), and a failure (disk full, file system read-only, database damaged) makes the producer
/// not ready until a probe succeeds again.
///
/// A `Service`; ``isHealthy`` and ``problem`` may be read from any thread.
final class StoreProbe: Service, CustomStringConvertible, Sendable {
    /// The name ServiceLifecycle logs.
    var description: String { "StoreProbe" }

    let store: ProducerStore
    let logger: Logger
    let interval: Duration
    let timeout: Duration
    private let failure = NIOLockedValueBox<String?>(nil)

    init(store: ProducerStore, logger: Logger, interval: Duration = .seconds(2), timeout: Duration = .seconds(5)) {
        self.store = store
        self.logger = logger
        self.interval = interval
        self.timeout = timeout
    }

    /// Whether the last probe wrote its row.
    var isHealthy: Bool { failure.withLockedValue { $0 == nil } }

    /// Why the store is not healthy, in words a client may read (no paths, no database text).
    var problem: String? { failure.withLockedValue { $0 } }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.probe()
                try? await Task.sleep(for: self.interval)
            }
        }
    }

    private func probe() async {
        let store = self.store
        var error: (any Error)?
        do {
            try await withDeadline(timeout) { try await store.probeWrite() }
        } catch let failed {
            error = failed
        }
        let failed = error != nil
        let was = failure.withLockedValue { state -> String? in
            defer { state = failed ? "the event store cannot take writes" : nil }
            return state
        }
        if let error, was == nil {
            logger.error("the store cannot take writes: not ready", metadata: ["error": "\(error)"])
        } else if error == nil, was != nil {
            logger.notice("the store takes writes again: ready")
        }
    }
}
