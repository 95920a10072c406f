import Synchronization

/// An AMQP channel: declare topology, publish (with confirms when opened in confirm mode) and consume.
///
/// Created by ``Connection/openChannel(confirms:prefetch:maxInFlight:)``; valid until ``close()`` or until its
/// connection is closed. `Sendable`: any task may call it at any time; every operation is handed to the
/// connection's I/O thread, so calls are cheap and never block a cooperative thread.
///
/// If the broker closes the channel (for example 404 on a publish to a missing exchange), the failed operation and
/// every unconfirmed publish throw ``AMQPError/channelClosed(code:text:)``, the channel's consumers end with that
/// error, and the channel is reopened at once with the same settings, so the handle stays usable. It is reopened
/// under a new number (see ``id``): RabbitMQ can still send frames of the closed channel after it answered the new
/// one's `channel.open`, and those must never be taken for the new channel's. After a connection loss it is
/// reopened by recovery, under the same number.
public final class Channel: Sendable {
    /// The channel number on the connection. It changes when the broker closes the channel and the channel is
    /// reopened (see above); read it for logs, not as a stable key.
    public var id: UInt16 { number.load(ordering: .relaxed) }
    /// Whether publishes wait for publisher confirms.
    public let confirmMode: Bool
    /// The most publishes awaiting confirms at once; further publishes wait their turn on the I/O thread.
    public let maxInFlight: Int

    let loop: IOLoop
    /// The current channel number; written by the I/O thread only.
    let number: Atomic<UInt16>
    /// Bumped by the I/O thread whenever the channel is reopened: deliveries carry the value they arrived with.
    let generation = Atomic<UInt64>(0)

    init(id: UInt16, confirmMode: Bool, maxInFlight: Int, loop: IOLoop) {
        self.number = Atomic(id)
        self.confirmMode = confirmMode
        self.maxInFlight = maxInFlight
        self.loop = loop
    }

    // MARK: - Topology

    /// Declares an exchange (`exchange.declare`); idempotent for identical arguments, 406 otherwise. Recorded and
    /// declared again after a connection recovery (unless `passive`).
    public func declareExchange(
        _ name: String, type: String = "topic", durable: Bool = true, autoDelete: Bool = false,
        internal: Bool = false, passive: Bool = false, arguments: FieldTable = [:]
    ) async throws {
        let record = ExchangeRecord(
            name: name, type: type, durable: durable, autoDelete: autoDelete, internal: `internal`,
            arguments: arguments)
        _ = try await rpc(.exchangeDeclare(record, passive: passive))
    }

    /// Deletes an exchange (`exchange.delete`).
    public func deleteExchange(_ name: String, ifUnused: Bool = false) async throws {
        _ = try await rpc(.exchangeDelete(name: name, ifUnused: ifUnused))
    }

    /// Declares a queue (`queue.declare`). `passive` only checks that it exists (404 otherwise). Arguments such as
    /// `["x-queue-type": "quorum", "x-delivery-limit": 5]` must match an existing queue's (406 otherwise).
    /// Recorded and declared again after a connection recovery (unless `passive` or server-named).
    @discardableResult
    public func declareQueue(
        _ name: String, durable: Bool = true, exclusive: Bool = false, autoDelete: Bool = false,
        passive: Bool = false, arguments: FieldTable = [:]
    ) async throws -> QueueInfo {
        let record = QueueRecord(
            name: name, durable: durable, exclusive: exclusive, autoDelete: autoDelete, arguments: arguments)
        guard case .queue(let info) = try await rpc(.queueDeclare(record, passive: passive)) else {
            throw AMQPError.library(status: 0, message: "unexpected reply to queue.declare")
        }
        return info
    }

    /// Binds a queue to an exchange (`queue.bind`).
    public func bindQueue(
        _ queue: String, exchange: String, routingKey: String, arguments: FieldTable = [:]
    ) async throws {
        let binding = BindingRecord(queue: queue, exchange: exchange, routingKey: routingKey, arguments: arguments)
        _ = try await rpc(.queueBind(binding))
    }

    /// Removes a binding (`queue.unbind`).
    public func unbindQueue(
        _ queue: String, exchange: String, routingKey: String, arguments: FieldTable = [:]
    ) async throws {
        let binding = BindingRecord(queue: queue, exchange: exchange, routingKey: routingKey, arguments: arguments)
        _ = try await rpc(.queueUnbind(binding))
    }

    /// Removes every ready message from a queue; returns how many.
    @discardableResult
    public func purgeQueue(_ name: String) async throws -> UInt32 {
        guard case .messageCount(let count) = try await rpc(.queuePurge(name: name)) else { return 0 }
        return count
    }

    /// Deletes a queue; returns how many messages it held.
    @discardableResult
    public func deleteQueue(_ name: String, ifUnused: Bool = false, ifEmpty: Bool = false) async throws -> UInt32 {
        guard
            case .messageCount(let count) = try await rpc(
                .queueDelete(name: name, ifUnused: ifUnused, ifEmpty: ifEmpty))
        else { return 0 }
        return count
    }

    /// Sets how many unacknowledged deliveries the broker may send this channel's consumers (`basic.qos`).
    /// Restored after recovery.
    public func qos(prefetchCount: UInt16, global: Bool = false) async throws {
        _ = try await rpc(.qos(prefetchCount: prefetchCount, global: global))
    }

    // MARK: - Publishing

    /// Publishes a message and, on a confirm-mode channel, returns once the broker confirmed it (`basic.ack`).
    ///
    /// Many publishes may be in flight at once from many tasks: they are pipelined on the wire and each call
    /// resumes when its own confirm arrives. Throws ``AMQPError/publishNacked``,
    /// ``AMQPError/publishReturned(code:text:)`` (mandatory and unroutable), ``AMQPError/channelClosed(code:text:)``
    /// (e.g. 404, missing exchange), ``AMQPError/connectionLost(reason:)`` (retryable: the broker may or may not
    /// have the message), or ``AMQPError/confirmTimeout`` after `timeout`.
    public func publish(
        _ body: [UInt8], exchange: String = "", routingKey: String, properties: BasicProperties = BasicProperties(),
        mandatory: Bool = false, timeout: Duration? = nil
    ) async throws {
        try await publishWithDeferredConfirm(
            body, exchange: exchange, routingKey: routingKey, properties: properties, mandatory: mandatory,
            timeout: timeout
        ).wait()
    }

    /// Hands a message to the I/O thread and returns its ``Confirmation`` at once, for callers that keep a window
    /// of publishes in flight from one task. Never blocks; errors arrive through the confirmation.
    public func publishWithDeferredConfirm(
        _ body: [UInt8], exchange: String = "", routingKey: String, properties: BasicProperties = BasicProperties(),
        mandatory: Bool = false, timeout: Duration? = nil
    ) -> Confirmation {
        let confirmation = Confirmation(deadline: timeout.map { ContinuousClock.now + $0 })
        if let problem = MessageValidation.problem(exchange: exchange, routingKey: routingKey, properties: properties) {
            confirmation.settle(.failure(AMQPError.invalidMessage(problem)))
            return confirmation
        }
        let publishing = Publishing(
            exchange: exchange, routingKey: routingKey, body: body, properties: properties, mandatory: mandatory,
            confirmation: confirmation)
        if !loop.submit(.publish(self, publishing)) {
            confirmation.settle(.failure(AMQPError.closed))
        }
        return confirmation
    }

    // MARK: - Consuming

    /// Starts a consumer (`basic.consume`, manual acknowledgement) and returns its deliveries.
    ///
    /// `prefetch`, when given, first sets `basic.qos` on this channel. The consumer tag is generated unless given.
    public func consume(
        queue: String, prefetch: UInt16? = nil, exclusive: Bool = false, arguments: FieldTable = [:],
        consumerTag: String? = nil
    ) async throws -> Consumer {
        if let prefetch { try await qos(prefetchCount: prefetch) }
        let tag = consumerTag ?? loop.makeConsumerTag()
        let buffer = DeliveryBuffer()
        let lifetime = DeliveryBuffer.Lifetime(buffer)
        let registration = ConsumerRegistration(
            tag: tag, queue: queue, exclusive: exclusive, arguments: arguments, buffer: buffer)
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
            if !loop.submit(.consume(self, registration, done)) { done.resume(throwing: AMQPError.closed) }
        }
        buffer.setOnTermination { [loop] in _ = loop.submit(.cancelConsumer(self, tag: tag, nil)) }
        return Consumer(tag: tag, queue: queue, lifetime: lifetime, channel: self)
    }

    func cancelConsumer(tag: String) async throws {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
            if !loop.submit(.cancelConsumer(self, tag: tag, done)) { done.resume() }
        }
    }

    func settle(_ delivery: Delivery, _ settlement: Settlement) throws {
        guard delivery.generation == generation.load(ordering: .acquiring) else { throw AMQPError.staleDelivery }
        guard loop.submit(.settle(self, generation: delivery.generation, tag: delivery.deliveryTag, settlement))
        else { throw AMQPError.closed }
    }

    // MARK: - Lifecycle

    /// Closes the channel (`channel.close`). Unconfirmed publishes fail with ``AMQPError/closed``; consumers end.
    public func close() async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            if !loop.submit(.closeChannel(self, done)) { done.resume() }
        }
    }

    private func rpc(_ rpc: RPC) async throws -> RPCResult {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<RPCResult, any Error>) in
            if !loop.submit(.rpc(self, rpc, done)) { done.resume(throwing: AMQPError.closed) }
        }
    }
}
