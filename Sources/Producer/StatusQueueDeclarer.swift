import AMQP
import Logging
import NIOConcurrencyHelpers
import Warren
import WarrenService

/// Declares this producer's status queue with `x-expires` (``ProducerConfiguration/statusQueueExpiry``). A queue
/// that an older version declared without it fails that declaration with the broker's 406; it is then used as it
/// is, with one warning saying how to replace it, and never declared with `x-expires` again by this process.
///
/// A reference type shared by ``BrokerSession`` (which declares the queue before accepting anything) and
/// ``StatusListener``; `Sendable` (its one flag is behind a lock).
final class StatusQueueDeclarer: Sendable {
    let configuration: ProducerConfiguration
    let logger: Logger
    private let legacy = NIOLockedValueBox(false)

    init(configuration: ProducerConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// The queue's name once declared on `channel`.
    @discardableResult
    func declare(on channel: Channel) async throws -> String {
        let topology = configuration.service.topology
        if !legacy.withLockedValue({ $0 }) {
            do {
                return try await topology.declareStatusQueue(
                    named: configuration.name, expires: configuration.statusQueueExpiry, on: channel)
            } catch AMQPError.channelClosed(406, _) {
                legacy.withLockedValue { $0 = true }
                let queue = topology.statusQueue(producer: configuration.name)
                logger.warning(
                    "\(Self.legacyWarning) rabbitmqctl delete_queue \(queue)", metadata: ["queue": "\(queue)"])
            }
        }
        return try await topology.declareStatusQueue(named: configuration.name, on: channel)
    }

    private static let legacyWarning =
        "the status queue exists without x-expires (declared by an older version) and is used as it is; it will not "
        + "be deleted when this producer goes away. To replace it, stop this producer, then:"
}
