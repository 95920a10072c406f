import AMQP
import Foundation
public import Logging
public import ServiceLifecycle
import Warren
public import WarrenService

/// The consumer loop as a `Service`: connects (waiting for the broker as long as it takes), declares the topology,
/// sets `basic.qos`, consumes the events queue and runs up to ``ConsumerConfiguration/concurrency`` deliveries at
/// once in one task group.
///
/// On graceful shutdown it stops taking deliveries (the AMQP consumer is cancelled), waits up to
/// ``ConsumerConfiguration/shutdownTimeout`` for in-flight handlers (which ack as usual), cancels the rest (left
/// unacknowledged, so the broker redelivers them), then closes the connection. `run()` returns only when all of that
/// is done; it starts no unstructured task.
public struct ConsumerService: Service {
    private let configuration: ConsumerConfiguration
    private let registry: HandlerRegistry
    private let store: ProcessedStore
    private let stats: ConsumerStats
    private let state: ConsumerState
    private let notifier: SystemdNotifier
    private let logger: Logger

    /// A consumer service; `state` and `stats` are shared with the HTTP side.
    public init(
        configuration: ConsumerConfiguration, registry: HandlerRegistry, store: ProcessedStore, stats: ConsumerStats,
        state: ConsumerState, notifier: SystemdNotifier, logger: Logger
    ) {
        self.configuration = configuration
        self.registry = registry
        self.store = store
        self.stats = stats
        self.state = state
        self.notifier = notifier
        self.logger = logger
    }

    /// Connects, consumes until graceful shutdown, drains, closes.
    public func run() async throws {
        let topology = configuration.topology
        notifier.status("connecting to the broker")
        let connection: Connection
        do {
            connection = try await cancelWhenGracefulShutdown { [configuration, logger, notifier] in
                try await BrokerConnector.connect(configuration.service.connection, logger: logger) { error, attempt in
                    notifier.status("waiting for the broker (attempt \(attempt)): \(error)")
                }
            }
        } catch is CancellationError {
            notifier.stopping(status: "stopped before the broker was reachable")
            return
        }
        state.setConnection(connection)
        do {
            let publishChannel = try await connection.openChannel(confirms: true, maxInFlight: 1000)
            let consumeChannel = try await connection.openChannel(prefetch: UInt16(configuration.prefetch))
            try await topology.declare(on: publishChannel)
            let processor = DeliveryProcessor(
                registry: registry, store: store,
                publisher: OutcomePublisher(channel: publishChannel, topology: topology, confirmTimeout: .seconds(30)),
                runner: HandlerRunner(timeout: configuration.handlerTimeout, stats: stats),
                policy: configuration.retryPolicy, stats: stats, maxMessageBytes: configuration.maxMessageBytes,
                logger: logger)
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await watch(connection) }
                await withGracefulShutdownHandler {
                    await consume(on: consumeChannel, declaringOn: publishChannel, processor: processor)
                } onGracefulShutdown: { [state, notifier, logger, stats] in
                    state.beginDraining()
                    let inFlight = stats.snapshot.deliveriesInProgress
                    notifier.stopping(status: "draining \(inFlight) in-flight deliveries")
                    logger.notice("graceful shutdown: no new deliveries; \(inFlight) in flight")
                }
                group.cancelAll()
            }
        } catch {
            state.setConnection(nil)
            await connection.close()
            throw error
        }
        state.setConsuming(false)
        await connection.close()
        state.setConnection(nil)
        logger.notice("stopped; connection closed")
    }

    // MARK: - Consuming

    /// What a child task of the consuming task group reports when it ends.
    private enum ChildEnd: Sendable {
        /// A handler finished (its delivery is settled or left for redelivery).
        case handler
        /// Graceful shutdown began (or the group was cancelled).
        case shutdown
        /// The shutdown timeout passed.
        case timeout
    }

    /// Consumes until graceful shutdown (subscribing again if the broker cancels the consumer), then drains.
    private func consume(on channel: Channel, declaringOn declareChannel: Channel, processor: DeliveryProcessor) async {
        let topology = configuration.topology
        let concurrency = configuration.concurrency
        await withTaskGroup(of: ChildEnd.self) { group in
            var running = 0
            // Wakes the wait for a free handler slot below when shutdown begins: with every slot busy, nothing
            // else would until a handler finished, and the shutdown timeout would not hold.
            group.addTask {
                try? await gracefulShutdown()
                return .shutdown
            }
            // Ends on graceful shutdown (draining) or when the service group cancels this task (e.g. the HTTP
            // server could not bind its port): then the process exits with that error.
            consuming: while !state.isDraining, !Task.isCancelled {
                do {
                    let consumer = try await channel.consume(
                        queue: topology.eventsQueue, prefetch: UInt16(configuration.prefetch))
                    state.setConsuming(true)
                    let status = "consuming \(topology.eventsQueue) with concurrency \(concurrency)"
                    notifier.status(status)
                    logger.notice("\(status), prefetch \(configuration.prefetch)")
                    for try await delivery in consumer.cancelOnGracefulShutdown() {
                        var shuttingDown = state.isDraining
                        while !shuttingDown, running >= concurrency, let end = await group.next() {
                            if end == .handler { running -= 1 } else { shuttingDown = true }
                        }
                        // Shutdown may have begun while this delivery waited for a slot: give it back, do not start it.
                        if shuttingDown || state.isDraining {
                            try? delivery.nack(requeue: true)
                            break consuming
                        }
                        group.addTask {
                            await processor.process(delivery)
                            return .handler
                        }
                        running += 1
                    }
                } catch {
                    logger.error("the consumer stopped: \(error); subscribing again in 1 s")
                }
                state.setConsuming(false)
                guard !state.isDraining, !Task.isCancelled else { break }
                notifier.status("not consuming: subscribing again")
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
                try? await topology.declare(on: declareChannel)
            }
            state.setConsuming(false)
            await drain(&group, running: running)
            group.cancelAll()
        }
    }

    /// Waits for `running` handlers up to the shutdown timeout, then cancels the rest.
    private func drain(_ group: inout TaskGroup<ChildEnd>, running: Int) async {
        var running = running
        guard running > 0 else { return }
        logger.notice("waiting up to \(configuration.shutdownTimeout) for the in-flight handlers")
        group.addTask { [timeout = configuration.shutdownTimeout] in
            try? await Task.sleep(for: timeout)
            return .timeout
        }
        waiting: while running > 0, let end = await group.next() {
            switch end {
            case .handler: running -= 1
            case .shutdown: continue
            case .timeout: break waiting
            }
        }
        group.cancelAll()
        if running > 0 {
            let message =
                "shutdown timeout: \(stats.snapshot.deliveriesInProgress) deliveries cancelled and left "
                + "unacknowledged for redelivery"
            logger.warning("\(message)")
        } else {
            logger.notice("drained: all in-flight deliveries finished and acknowledged")
        }
    }

    /// Follows the connection's events for logs, `STATUS=` and readiness, until the connection closes or the
    /// task is cancelled.
    private func watch(_ connection: Connection) async {
        for await event in connection.events() {
            switch event {
            case .disconnected(let error):
                logger.warning("broker connection lost: \(error); recovering")
                notifier.status("broker connection lost; recovering")
            case .recovered(let endpoint):
                logger.notice("broker connection recovered (\(endpoint))")
                notifier.status("consuming again after recovery")
            case .restoreFailed(let what, let error, let retrying):
                logger.warning(
                    "after recovery, \(what) could not be restored (\(retrying ? "retrying" : "given up")): \(error)")
                notifier.status("\(what) could not be restored after recovery")
            case .blocked(let reason):
                logger.warning("the broker blocked publishing: \(reason)")
                notifier.status("the broker blocked publishing: \(reason)")
            case .unblocked:
                logger.notice("the broker unblocked publishing")
            case .closed:
                return
            }
        }
    }
}
