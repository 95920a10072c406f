internal import CRabbitMQ
import DequeModule
import Logging
import Synchronization

extension IOLoop {
    /// The connection is gone: free it, fail everything in flight with a retryable error, and either schedule
    /// recovery or close for good. I/O thread only; safe to call more than once.
    func connectionLost(_ error: AMQPError) {
        guard let lost = conn else { return }
        conn = nil
        corked = false
        amqp_destroy_connection(lost)
        connected.store(false, ordering: .relaxed)
        blocked.store(false, ordering: .relaxed)
        currentEndpoint.withLock { $0 = nil }
        let recover = configuration.recovery.enabled && !exitRequested
        logger.info(
            "AMQP connection lost", metadata: ["error": "\(error)", "recovering": "\(recover)"])
        for state in channels.values {
            failChannel(state, with: error, endConsumers: error, keepConsumers: recover)
        }
        events.emit(.disconnected(error))
        if recover {
            recoveryAttempt = 0
            nextRecovery = .now + configuration.recovery.backoff.delay(attempt: 0)
        } else {
            channels.removeAll()
            exitRequested = true
        }
    }

    /// Tries to reconnect when the backoff delay has passed; on success restores channels, topology and
    /// consumers.
    func recoverIfDue() {
        guard let due = nextRecovery, ContinuousClock.now >= due else { return }
        do {
            try connectToAnyEndpoint()
            try restore()
            nextRecovery = nil
            let endpoint = currentEndpoint.withLock { $0?.description } ?? "?"
            logger.info("AMQP connection recovered", metadata: ["amqp.endpoint": "\(endpoint)"])
            events.emit(.recovered(endpoint: endpoint))
        } catch {
            if conn != nil { connectionLost(.connectionLost(reason: "recovery failed: \(error)")) }
            recoveryAttempt += 1
            nextRecovery = .now + configuration.recovery.backoff.delay(attempt: recoveryAttempt)
            logger.debug(
                "AMQP recovery attempt failed", metadata: ["error": "\(error)", "attempt": "\(recoveryAttempt)"])
        }
    }

    /// Reopens channels (confirm mode, qos), declares the recorded topology again, and re-registers consumers.
    private func restore() throws {
        for id in channels.keys.sorted() {
            logger.debug("recovery: reopening channel", metadata: ["amqp.channel": "\(id)"])
            try openOnWire(channels[id]!)
        }
        logger.debug("recovery: declaring topology again")
        try replayTopology()
        for id in channels.keys.sorted() {
            let state = channels[id]!
            for registration in state.consumers.values {
                logger.debug("recovery: consuming again", metadata: ["amqp.consumer": "\(registration.tag)"])
                do {
                    try startConsumer(registration, on: state)
                } catch let error as AMQPError where conn != nil {
                    // e.g. the queue no longer exists: end that consumer, keep the connection.
                    state.consumers[registration.tag] = nil
                    registration.buffer.finish(throwing: error)
                }
            }
        }
    }

    /// Declares recorded exchanges, queues and bindings again on a temporary channel; a declaration the broker
    /// now refuses is logged and skipped.
    private func replayTopology() throws {
        guard !exchangeOrder.isEmpty || !queueOrder.isEmpty else { return }
        let id = UInt16(2047)
        try openBare(id)
        defer {
            if let conn { _ = amqp_channel_close(conn, id, AMQP_REPLY_SUCCESS) }
        }
        for name in exchangeOrder {
            guard let conn, let r = exchanges[name] else { continue }
            _ = amqp_exchange_declare(
                conn, id, scratch.bytes(r.name), scratch.bytes(r.type), 0, r.durable ? 1 : 0, r.autoDelete ? 1 : 0,
                r.internal ? 1 : 0, scratch.table(r.arguments))
            scratch.reset()
            try replayed("exchange \(name)", channel: id)
        }
        for name in queueOrder {
            guard let conn, let r = queues[name] else { continue }
            _ = amqp_queue_declare(
                conn, id, scratch.bytes(r.name), 0, r.durable ? 1 : 0, r.exclusive ? 1 : 0, r.autoDelete ? 1 : 0,
                scratch.table(r.arguments))
            scratch.reset()
            try replayed("queue \(name)", channel: id)
        }
        for b in bindings {
            guard let conn else { break }
            _ = amqp_queue_bind(
                conn, id, scratch.bytes(b.queue), scratch.bytes(b.exchange), scratch.bytes(b.routingKey),
                scratch.table(b.arguments))
            scratch.reset()
            try replayed("binding \(b.queue) -> \(b.exchange)", channel: id)
        }
    }

    private func openBare(_ id: UInt16) throws {
        guard let conn else { throw AMQPError.connectionLost(reason: "not connected") }
        _ = amqp_channel_open(conn, id)
        try checkReply(channel: id, state: nil)
    }

    private func replayed(_ what: String, channel id: UInt16) throws {
        do {
            try checkReply(channel: id, state: nil)
        } catch AMQPError.channelClosed(let code, let text) {
            logger.warning("could not declare \(what) again after recovery: \(code) \(text)")
            try openBare(id)
        }
    }
}
