/// A message the broker delivered to a ``Consumer``. A value type; `Sendable`: it may be handed to any task.
///
/// Settle it exactly once with ``ack(multiple:)``, ``nack(multiple:requeue:)`` or ``reject(requeue:)``. These
/// only enqueue a command for the connection's I/O thread and return at once. A delivery received before a
/// channel or connection was lost can no longer be settled (its tag means nothing on the new channel): settling it
/// throws ``AMQPError/staleDelivery`` and the broker redelivers the message instead.
public struct Delivery: Sendable {
    /// What a run of deliveries has in common (exchange, routing key, consumer, channel incarnation): one object
    /// that the I/O thread makes again only when one of them changes. A delivery refers to it instead of holding
    /// each field, because every retain of an object the consuming thread also releases moves a cache line
    /// between cores (the largest per-delivery cost in the consume profile after the allocations).
    final class Context: Sendable {
        let exchange: String
        let routingKey: String
        let consumerTag: String
        let channel: Channel
        let generation: UInt64

        init(exchange: String, routingKey: String, consumerTag: String, channel: Channel, generation: UInt64) {
            self.exchange = exchange
            self.routingKey = routingKey
            self.consumerTag = consumerTag
            self.channel = channel
            self.generation = generation
        }
    }

    /// The fields, in one immutable object: a delivery crosses from the I/O thread to the consuming task and into
    /// the application's hands as one reference.
    final class Storage: Sendable {
        let body: [UInt8]
        let properties: BasicProperties
        let deliveryTag: UInt64
        let redelivered: Bool
        let context: Context

        init(body: [UInt8], properties: BasicProperties, deliveryTag: UInt64, redelivered: Bool, context: Context) {
            self.body = body
            self.properties = properties
            self.deliveryTag = deliveryTag
            self.redelivered = redelivered
            self.context = context
        }
    }

    let storage: Storage

    /// The message body.
    public var body: [UInt8] { storage.body }
    /// The message's properties (headers included).
    public var properties: BasicProperties { storage.properties }
    /// The broker's tag for this delivery, unique per channel incarnation.
    public var deliveryTag: UInt64 { storage.deliveryTag }
    /// Whether the broker delivered this message before (to this or another consumer) without an ack.
    public var redelivered: Bool { storage.redelivered }
    /// The exchange the message was published to (`""` for the default exchange).
    public var exchange: String { storage.context.exchange }
    /// The routing key it was published with.
    public var routingKey: String { storage.context.routingKey }
    /// The consumer it was delivered to.
    public var consumerTag: String { storage.context.consumerTag }

    var channel: Channel { storage.context.channel }
    var generation: UInt64 { storage.context.generation }

    init(body: [UInt8], properties: BasicProperties, deliveryTag: UInt64, redelivered: Bool, context: Context) {
        storage = Storage(
            body: body, properties: properties, deliveryTag: deliveryTag, redelivered: redelivered, context: context)
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
