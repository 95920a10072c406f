public import AMQP
import Foundation
public import ServiceLifecycle

/// A fault injector for tests of the watchdog: with `WARREN_FAULT_STALL_IO_LOOP=AFTER:SECONDS` in the environment
/// it blocks the broker connection's I/O thread for SECONDS, AFTER seconds after the connection is up, exactly as a
/// synchronous call stuck on a broker that stopped reading would. Without the variable it does nothing.
///
/// A `Service`; returns when done (register it with `successTerminationBehavior: .ignore`).
public struct FaultInjection: Service, CustomStringConvertible {
    /// The name ServiceLifecycle logs.
    public var description: String { "FaultInjection" }

    private let stall: (after: Double, seconds: Double)?
    private let connection: @Sendable () -> Connection?

    /// Reads the variable from `environment`; `connection` gives the connection once there is one.
    public init(environment: [String: String], connection: @escaping @Sendable () -> Connection?) {
        let parts = environment["WARREN_FAULT_STALL_IO_LOOP"]?.split(separator: ":").compactMap { Double($0) } ?? []
        stall = parts.count == 2 ? (parts[0], parts[1]) : nil
        self.connection = connection
    }

    /// Waits for the connection, then stalls its I/O thread once.
    public func run() async throws {
        guard let stall else { return }
        await cancelWhenGracefulShutdown {
            var current: Connection?
            while current == nil, !Task.isCancelled {
                current = connection()
                try? await Task.sleep(for: .milliseconds(100))
            }
            guard let current else { return }
            try? await Task.sleep(for: .milliseconds(Int64(stall.after * 1000)))
            _ = await withTaskExecutorPreference(current.executor) {
                usleep(useconds_t(stall.seconds * 1_000_000))  // deliberately blocks the I/O thread
            }
        }
    }
}
