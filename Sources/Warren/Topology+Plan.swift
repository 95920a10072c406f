public import AMQP

extension Topology {
    /// An exchange to declare.
    public struct Exchange: Sendable, Hashable {
        /// Its name.
        public var name: String
        /// `topic` or `fanout`.
        public var type: String
    }

    /// A durable queue to declare, with its arguments.
    public struct Queue: Sendable, Hashable {
        /// Its name.
        public var name: String
        /// Its `queue.declare` arguments (`x-queue-type`, `x-message-ttl`, …).
        public var arguments: FieldTable
    }

    /// A binding of a queue to an exchange.
    public struct Binding: Sendable, Hashable {
        /// The queue.
        public var queue: String
        /// The exchange.
        public var exchange: String
        /// The binding key (`#` for topic exchanges, empty for fanout).
        public var routingKey: String
    }

    // MARK: - Plan

    /// Every durable exchange, in declaration order.
    public var exchanges: [Exchange] {
        [
            Exchange(name: eventsExchange, type: "topic"), Exchange(name: deadExchange, type: "topic"),
            Exchange(name: statusExchange, type: "topic"),
        ] + retryDelays.map { Exchange(name: retryQueue(delay: $0), type: "fanout") }
    }

    /// Every durable queue with its arguments (status queues excepted: see ``statusQueueArguments``).
    public var queues: [Queue] {
        [Queue(name: eventsQueue, arguments: eventsQueueArguments), Queue(name: deadQueue, arguments: baseArguments)]
            + retryDelays.map { Queue(name: retryQueue(delay: $0), arguments: retryQueueArguments(delay: $0)) }
    }

    /// Every binding (status queues excepted).
    public var bindings: [Binding] {
        [
            Binding(queue: eventsQueue, exchange: eventsExchange, routingKey: "#"),
            Binding(queue: deadQueue, exchange: deadExchange, routingKey: "#"),
        ] + retryDelays.map { Binding(queue: retryQueue(delay: $0), exchange: retryQueue(delay: $0), routingKey: "") }
    }

    // MARK: - Arguments

    /// `x-queue-type` alone: the arguments of the dead-letter and status queues.
    public var baseArguments: FieldTable { ["x-queue-type": .string(queueType.rawValue)] }

    /// The events queue: dead-letters to ``deadExchange``; quorum queues also get `x-delivery-limit`.
    public var eventsQueueArguments: FieldTable {
        var arguments = baseArguments
        arguments["x-dead-letter-exchange"] = .string(deadExchange)
        if queueType == .quorum { arguments["x-delivery-limit"] = .int64(Int64(deliveryLimit)) }
        return arguments
    }

    /// A retry queue: `x-message-ttl` = `delay` in milliseconds, then dead-lettered to ``eventsExchange`` with
    /// the message's own routing key (no `x-dead-letter-routing-key`).
    public func retryQueueArguments(delay: Duration) -> FieldTable {
        var arguments = baseArguments
        arguments["x-message-ttl"] = .int64(delay.milliseconds)
        arguments["x-dead-letter-exchange"] = .string(eventsExchange)
        return arguments
    }

    /// A producer's status queue (durable, ``queueType``).
    public var statusQueueArguments: FieldTable { baseArguments }
}
