/// Work handed from any task to a connection's I/O thread.
enum Command: Sendable {
    case openChannel(Channel, prefetch: UInt16?, CheckedContinuation<Void, any Error>)
    case closeChannel(Channel, CheckedContinuation<Void, Never>)
    case rpc(Channel, RPC, CheckedContinuation<RPCResult, any Error>)
    case publish(Channel, Publishing)
    case settle(Channel, generation: UInt64, tag: UInt64, Settlement)
    case consume(Channel, ConsumerRegistration, CheckedContinuation<Void, any Error>)
    case cancelConsumer(Channel, tag: String, CheckedContinuation<Void, any Error>?)
    case close(CheckedContinuation<Void, Never>)
    /// A task job to run on the I/O thread (``ConnectionExecutor``).
    case job(UnownedJob, ConnectionExecutor)
}

/// A synchronous AMQP method and its arguments.
enum RPC: Sendable {
    case exchangeDeclare(ExchangeRecord, passive: Bool)
    case exchangeDelete(name: String, ifUnused: Bool)
    case queueDeclare(QueueRecord, passive: Bool)
    case queueBind(BindingRecord)
    case queueUnbind(BindingRecord)
    case queuePurge(name: String)
    case queueDelete(name: String, ifUnused: Bool, ifEmpty: Bool)
    case qos(prefetchCount: UInt16, global: Bool)
}

/// What a synchronous method answered.
enum RPCResult: Sendable {
    case ok
    case queue(QueueInfo)
    case messageCount(UInt32)
}

/// One message on its way to `basic.publish`.
///
/// A class, immutable: a publish crosses the inbox and the I/O loop's dispatch as one reference, where a struct
/// (with the properties' thirteen fields) cost a retain and a release per field at every copy (the publish
/// profile's largest item).
final class Publishing: Sendable {
    let exchange: String
    let routingKey: String
    let body: [UInt8]
    let properties: BasicProperties
    let mandatory: Bool
    let confirmation: Confirmation

    init(
        exchange: String, routingKey: String, body: [UInt8], properties: BasicProperties, mandatory: Bool,
        confirmation: Confirmation
    ) {
        self.exchange = exchange
        self.routingKey = routingKey
        self.body = body
        self.properties = properties
        self.mandatory = mandatory
        self.confirmation = confirmation
    }
}

/// A consumer as registered (and re-registered after recovery).
struct ConsumerRegistration: Sendable {
    var tag: String
    var queue: String
    var exclusive: Bool
    var arguments: FieldTable
    /// Where its deliveries go.
    var buffer: DeliveryBuffer
}

/// A declared exchange, replayed after recovery.
struct ExchangeRecord: Sendable, Hashable {
    var name: String
    var type: String
    var durable: Bool
    var autoDelete: Bool
    var `internal`: Bool
    var arguments: FieldTable
}

/// A declared queue, replayed after recovery.
struct QueueRecord: Sendable, Hashable {
    var name: String
    var durable: Bool
    var exclusive: Bool
    var autoDelete: Bool
    var arguments: FieldTable
}

/// A queue binding, replayed after recovery.
struct BindingRecord: Sendable, Hashable {
    var queue: String
    var exchange: String
    var routingKey: String
    var arguments: FieldTable
}
