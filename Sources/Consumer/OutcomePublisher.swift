import AMQP
import Foundation
import Warren

/// Publishes what the consumer decided about a delivery: status updates to `warren.status`, retries to a retry
/// exchange, dead letters to `warren.dead`, all persistent, on one confirm-mode channel shared by every task.
///
/// A value type; `Sendable`. Each confirmed publish returns once the broker confirmed it and throws otherwise
/// (connection loss, nack, timeout), in which case the caller must not acknowledge the delivery.
struct OutcomePublisher: Sendable {
    /// The confirm-mode channel.
    let channel: Channel
    /// Exchange names.
    let topology: Topology
    /// How long a confirm may take before the publish counts as failed.
    let confirmTimeout: Duration

    /// The dead-letter headers.
    static let reasonHeader = "x-warren-reason"
    static let attemptsHeader = "x-warren-attempts"
    static let deadLetteredAtHeader = "x-warren-dead-lettered-at"
    /// Why the original properties were left off a dead letter (see ``deadLetter(_:reason:attempts:at:)``).
    static let droppedPropertiesHeader = "x-warren-dropped-properties"

    /// Publishes a status update (routing key = event id); waits for the confirm unless `confirmed` is false.
    func status(_ update: StatusUpdate, traceparent: String?, confirmed: Bool = true) async throws {
        var headers: FieldTable = [:]
        if let traceparent { headers[EventMessage.traceparentHeader] = .string(traceparent) }
        let properties = BasicProperties(
            contentType: "application/json", headers: headers, deliveryMode: .persistent, messageID: update.id,
            timestamp: update.at, type: "warren.status")
        let confirmation = channel.publishWithDeferredConfirm(
            update.encoded(), exchange: topology.statusExchange, routingKey: update.id, properties: properties,
            timeout: confirmTimeout)
        if confirmed { try await confirmation.wait() }
    }

    /// Publishes `event` as attempt `attempt` to the retry exchange `exchange` with its original routing key.
    func retry(_ event: CloudEvent, attempt: Int, exchange: String, routingKey: String, traceparent: String?)
        async throws
    {
        var (body, properties) = EventMessage.encode(event, attempt: attempt)
        if let traceparent { properties.headers?[EventMessage.traceparentHeader] = .string(traceparent) }
        try await channel.publish(
            body, exchange: exchange, routingKey: routingKey, properties: properties, mandatory: true,
            timeout: confirmTimeout)
    }

    /// Publishes the delivered message unchanged (body, properties, routing key) to the dead-letter exchange with
    /// the reason, the attempt count and the time in headers.
    ///
    /// A message from a foreign client may carry properties that cannot be sent back as they came (invalid UTF-8
    /// in a name, replaced on decoding, can grow past AMQP's 255-byte short strings): the library refuses those
    /// (``AMQPError/invalidMessage(_:)``), and the body is then dead-lettered with Warren's headers only and the
    /// refusal in `x-warren-dropped-properties`, rather than left to be redelivered forever.
    func deadLetter(_ delivery: Delivery, reason: String, attempts: Int, at date: Date = Date()) async throws {
        var warren: FieldTable = [
            Self.reasonHeader: .string(String(reason.prefix(1024))), Self.attemptsHeader: .int64(Int64(attempts)),
            Self.deadLetteredAtHeader: .string(Timestamp.format(date)),
        ]
        var properties = delivery.properties
        properties.headers = (properties.headers ?? [:]).merging(warren) { _, new in new }
        if properties.deliveryMode == nil { properties.deliveryMode = .persistent }
        do {
            try await channel.publish(
                delivery.body, exchange: topology.deadExchange, routingKey: delivery.routingKey,
                properties: properties, mandatory: true, timeout: confirmTimeout)
        } catch AMQPError.invalidMessage(let problem) {
            warren[Self.droppedPropertiesHeader] = .string(problem)
            let routingKey = delivery.routingKey.utf8.count <= 255 ? delivery.routingKey : ""
            try await channel.publish(
                delivery.body, exchange: topology.deadExchange, routingKey: routingKey,
                properties: BasicProperties(headers: warren, deliveryMode: .persistent), mandatory: true,
                timeout: confirmTimeout)
        }
    }
}
