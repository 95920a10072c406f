public import AMQP

extension Topology {
    /// Declares every exchange, queue and binding of the plan on `channel`.
    ///
    /// Idempotent: run it at every start, from any service. Throws ``WarrenError/invalidConfiguration(reason:)``
    /// before touching the broker if ``validate()`` fails, and the channel's ``AMQPError`` otherwise (406 when an
    /// existing queue was declared with other arguments, e.g. another queue type).
    public func declare(on channel: Channel) async throws {
        try validate()
        for exchange in exchanges {
            try await channel.declareExchange(exchange.name, type: exchange.type, durable: true)
        }
        for queue in queues {
            try await channel.declareQueue(queue.name, durable: true, arguments: queue.arguments)
        }
        for binding in bindings {
            try await channel.bindQueue(binding.queue, exchange: binding.exchange, routingKey: binding.routingKey)
        }
    }

    /// Declares a producer's durable status queue, ``statusQueue(producer:)``, bound to ``statusExchange`` with
    /// `#` (the exchange is declared too, so this works before or without ``declare(on:)``). Returns its name.
    ///
    /// `expires` becomes the queue's `x-expires`: RabbitMQ deletes it once it has had no consumer for that long.
    /// A queue that already exists with other arguments fails with the broker's 406 (`channelClosed`), and the
    /// channel is reset.
    @discardableResult
    public func declareStatusQueue(
        named producer: String, expires: Duration? = nil, on channel: Channel
    ) async throws -> String {
        try validate()
        guard !producer.isEmpty else {
            throw WarrenError.invalidConfiguration(reason: "the producer name for its status queue is empty")
        }
        let name = statusQueue(producer: producer)
        var arguments = statusQueueArguments
        if let expires { arguments["x-expires"] = .int64(max(1, expires.milliseconds)) }
        try await channel.declareExchange(statusExchange, type: "topic", durable: true)
        try await channel.declareQueue(name, durable: true, arguments: arguments)
        try await channel.bindQueue(name, exchange: statusExchange, routingKey: "#")
        return name
    }
}
