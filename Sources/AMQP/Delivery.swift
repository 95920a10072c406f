/// A message the broker delivered to a ``Consumer``. A value type; `Sendable`: it may be handed to any task.
///
/// Settle it exactly once with ``ack(multiple:)``, ``nack(multiple:requeue:)`` or ``reject(requeue:)``. These
/// only enqueue a command for the connection's I/O thread and return at once. A delivery received before a
/// channel or connection was lost can no longer be settled (its tag means nothing on the new channel): settling it
/// throws ``AMQPError/staleDelivery`` and the broker redelivers the message instead.
public struct Delivery: Sendable {
    /// The message body.
    public let body: [UInt8]
    /// The message's properties (headers included).
    public let properties: BasicProperties
    /// The broker's tag for this delivery, unique per channel incarnation.
    public let deliveryTag: UInt64
    /// Whether the broker delivered this message before (to this or another consumer) without an ack.
    public let redelivered: Bool
    /// The exchange the message was published to (`""` for the default exchange).
    public let exchange: String
    /// The routing key it was published with.
    public let routingKey: String
    /// The consumer it was delivered to.
    public let consumerTag: String

    let channel: Channel
    let generation: UInt64

    init(
        body: [UInt8], properties: BasicProperties, deliveryTag: UInt64, redelivered: Bool, exchange: String,
        routingKey: String, consumerTag: String, channel: Channel, generation: UInt64
    ) {
        self.body = body
        self.properties = properties
        self.deliveryTag = deliveryTag
        self.redelivered = redelivered
        self.exchange = exchange
        self.routingKey = routingKey
        self.consumerTag = consumerTag
        self.channel = channel
        self.generation = generation
    }

    /// The quorum queue's delivery count (`x-delivery-count` header), if present.
    public var deliveryCount: Int? {
        properties.headers?["x-delivery-count"]?.intValue
    }

    /// Acknowledges this delivery (and, with `multiple`, every earlier unacknowledged one on its channel).
    public func ack(multiple: Bool = false) throws {
        try channel.settle(self, .ack(multiple: multiple))
    }

    /// Rejects this delivery (and, with `multiple`, every earlier one); `requeue` puts it back in the queue,
    /// otherwise it is dropped or dead-lettered.
    public func nack(multiple: Bool = false, requeue: Bool = true) throws {
        try channel.settle(self, .nack(multiple: multiple, requeue: requeue))
    }

    /// Rejects this one delivery; `requeue` puts it back in the queue, otherwise it is dropped or dead-lettered.
    public func reject(requeue: Bool = false) throws {
        try channel.settle(self, .reject(requeue: requeue))
    }
}

/// How a delivery is settled.
enum Settlement: Sendable {
    case ack(multiple: Bool)
    case nack(multiple: Bool, requeue: Bool)
    case reject(requeue: Bool)
}
