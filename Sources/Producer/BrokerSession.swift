import AMQP
import CoreMetrics
import Foundation
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle
import Warren
import WarrenService

/// The producer's link to RabbitMQ: one connection (retried until the broker is reachable, then recovered by the
/// `AMQP` library), Warren's topology declared, one confirm-mode channel for publishing, and the events queue's
/// depth polled for `Retry-After`.
///
/// A `Service`: put it first in the service group so it shuts down last, after everything that publishes or
/// consumes through it. `Sendable`; ``publish(_:attempt:timeout:)`` and the state properties are safe from any
/// task.
final class BrokerSession: Service, Sendable, CustomStringConvertible {
    /// What is up once connected.
    struct Link: Sendable {
        let connection: Connection
        let publisher: Channel
    }

    private struct State {
        var link: Link?
        var blocked = false
        var lastError: String?
    }

    private let configuration: ProducerConfiguration
    private let estimator: BacklogEstimator
    private let metrics: ProducerMetrics
    private let logger: Logger
    private let state = NIOLockedValueBox(State())
    /// Declares the status queue (shared with ``StatusListener``).
    let statusQueue: StatusQueueDeclarer

    init(configuration: ProducerConfiguration, estimator: BacklogEstimator, metrics: ProducerMetrics, logger: Logger) {
        statusQueue = StatusQueueDeclarer(configuration: configuration, logger: logger)
        self.configuration = configuration
        self.estimator = estimator
        self.metrics = metrics
        self.logger = logger
    }

    var topology: Topology { configuration.service.topology }

    /// The name ServiceLifecycle logs (never the configuration: it holds secrets).
    var description: String { "BrokerSession" }

    /// The link once connected and declared, else nil.
    var link: Link? { state.withLockedValue { $0.link } }

    /// Connected, topology declared, not blocked: a publish may be confirmed in time.
    var isReady: Bool {
        state.withLockedValue { state in
            guard let link = state.link, !state.blocked else { return false }
            return link.connection.isConnected
        }
    }

    /// Connected and declared (blocked or not).
    var isConnected: Bool { link?.connection.isConnected ?? false }

    /// The broker blocks publishing.
    var isBlocked: Bool { state.withLockedValue { $0.blocked } }

    /// One line for systemd's `STATUS=` and the log: names the endpoint (user and host, never the password) and
    /// the last connection error.
    var summary: String { describe(detailed: true) }

    /// One line for `/readyz`, which anyone who can reach the port may read: the state only, no user, host or
    /// error text.
    var publicSummary: String { describe(detailed: false) }

    private func describe(detailed: Bool) -> String {
        state.withLockedValue { state in
            guard let link = state.link else {
                let reason = detailed ? " (\(state.lastError ?? "connecting"))" : ""
                return "broker unreachable\(reason); accepting into the outbox"
            }
            if state.blocked { return "broker blocked publishing; accepting into the outbox" }
            if !link.connection.isConnected { return "broker connection lost, recovering; accepting into the outbox" }
            guard detailed else { return "connected to the broker" }
            return "connected to \(link.connection.endpointDescription ?? "the broker")"
        }
    }

    /// Waits (polling, cancellable) until the link is up.
    func waitForLink() async throws -> Link {
        while true {
            if let link { return link }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Publishes `event` (persistent, mandatory) and waits for the broker's confirm, at most `timeout`.
    func publish(_ event: CloudEvent, attempt: Int = 1, timeout: Duration) async throws {
        try await publishDeferred(event, attempt: attempt, timeout: timeout).wait()
    }

    /// Hands `event` to the I/O thread and returns its pending confirmation.
    func publishDeferred(_ event: CloudEvent, attempt: Int = 1, timeout: Duration) throws -> Confirmation {
        guard let link else { throw AMQPError.connectionLost(reason: "not connected yet") }
        let (body, properties) = EventMessage.encode(event, attempt: attempt)
        return link.publisher.publishWithDeferredConfirm(
            body, exchange: topology.eventsExchange, routingKey: EventMessage.routingKey(for: event),
            properties: properties, mandatory: true, timeout: timeout)
    }

    // MARK: - Service

    func run() async throws {
        var connectionConfiguration = configuration.service.connection
        connectionConfiguration.connectionName = "warren-producer \(configuration.name)"
        let connectionSettings = connectionConfiguration
        let connection: Connection
        do {
            connection = try await cancelWhenGracefulShutdown {
                try await BrokerConnector.connect(connectionSettings, logger: self.logger) { error, _ in
                    self.state.withLockedValue { $0.lastError = "\(error)" }
                }
            }
        } catch {
            return  // shut down before the broker was ever reachable
        }
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.watch(connection) }
                group.addTask { await self.setUp(connection, settings: connectionSettings) }
            }
        }
        state.withLockedValue { $0.link = nil }
        metrics.brokerConnected.record(0)
        await connection.close()
        logger.info("broker connection closed")
    }

    /// Declares the topology and opens the publishing channel, retrying until it works, then polls the depth (on a
    /// second connection made with `settings`).
    private func setUp(_ connection: Connection, settings: ConnectionConfiguration) async {
        var attempt = 0
        while !Task.isCancelled {
            do {
                let setup = try await connection.openChannel()
                do {
                    try await topology.declare(on: setup)
                    // Before accepting anything: a status update for an event accepted now must find this queue.
                    try await statusQueue.declare(on: setup)
                } catch {
                    // Each retry opens a new one: never leave this one behind.
                    await setup.close()
                    throw error
                }
                await setup.close()
                let publisher = try await connection.openChannel(confirms: true, maxInFlight: 10_000)
                state.withLockedValue { state in
                    state.link = Link(connection: connection, publisher: publisher)
                    state.lastError = nil
                }
                metrics.brokerConnected.record(1)
                logger.info(
                    "broker ready: topology declared",
                    metadata: ["queue": "\(topology.eventsQueue)", "type": "\(topology.queueType.rawValue)"])
                await pollDepth(settings: settings)
                return
            } catch {
                attempt += 1
                state.withLockedValue { $0.lastError = "\(error)" }
                logger.error(
                    "cannot declare the topology; retrying",
                    metadata: [
                        "error": "\(error)", "attempt": "\(attempt)",
                        "hint": "a 406 means a queue exists with other arguments: match --queue-type or delete it",
                    ])
                await waitBeforeRetry(attempt: attempt, connection: connection)
            }
        }
    }

    /// Waits `min(attempt, 5)` seconds before the next set-up attempt, or less: as soon as a connection that was
    /// recovering is connected again (the attempt failed for want of a connection, not because of the broker's
    /// answer), so the outbox starts draining the moment the broker is back.
    private func waitBeforeRetry(attempt: Int, connection: Connection) async {
        let wasConnected = connection.isConnected
        let deadline = ContinuousClock.now + .seconds(min(attempt, 5))
        while ContinuousClock.now < deadline && !Task.isCancelled {
            if !wasConnected && connection.isConnected { return }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Polls the events queue's depth every second on a connection of its own: a passive declare is a synchronous
    /// method, and a broker in a resource alarm stops reading a connection that publishes, so on the publishing
    /// connection the poll's reply would wait until the alarm clears. This connection never publishes and is never blocked.
    private func pollDepth(settings: ConnectionConfiguration) async {
        var configuration = settings
        configuration.connectionName = "\(settings.connectionName ?? "warren-producer") (queue depth)"
        let configured = configuration
        guard let connection = try? await BrokerConnector.connect(configured, logger: logger) else { return }
        var channel: Channel?
        while !Task.isCancelled {
            if channel == nil { channel = try? await connection.openChannel() }
            if let channel, let info = try? await channel.declareQueue(topology.eventsQueue, passive: true) {
                estimator.recordDepth(Int(info.messageCount))
                metrics.queueDepth.record(Int(info.messageCount))
            }
            try? await Task.sleep(for: .seconds(1))
        }
        await connection.close()
    }

    private func watch(_ connection: Connection) async {
        for await event in connection.events() {
            switch event {
            case .disconnected(let error):
                metrics.brokerConnected.record(0)
                logger.warning("broker connection lost; new events go to the outbox", metadata: ["error": "\(error)"])
            case .recovered(let endpoint):
                metrics.brokerConnected.record(1)
                logger.notice("broker connection recovered", metadata: ["endpoint": "\(endpoint)"])
            case .restoreFailed(let what, let error, let retrying):
                logger.warning(
                    "after recovery, \(what) could not be restored",
                    metadata: ["error": "\(error)", "retrying": "\(retrying)"])
            case .blocked(let reason):
                state.withLockedValue { $0.blocked = true }
                metrics.brokerBlocked.record(1)
                logger.warning(
                    "broker blocked publishing; new events go to the outbox", metadata: ["reason": "\(reason)"])
            case .unblocked:
                state.withLockedValue { $0.blocked = false }
                metrics.brokerBlocked.record(0)
                logger.notice("broker unblocked publishing")
            case .closed:
                return
            }
        }
    }
}
