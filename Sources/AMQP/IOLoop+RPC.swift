internal import CRabbitMQ
import DequeModule
import Logging
import Synchronization

extension IOLoop {
    /// Runs one synchronous method with rabbitmq-c's blocking RPC helpers. Blocking is fine here: this is the
    /// connection's own thread, and the RPC timeout bounds it (past it the connection is treated as lost).
    func perform(_ rpc: RPC, on state: ChannelState) throws -> RPCResult {
        guard let conn else { throw AMQPError.connectionLost(reason: "not connected") }
        defer { scratch.reset() }
        let id = state.id
        switch rpc {
        case .exchangeDeclare(let record, let passive):
            _ = amqp_exchange_declare(
                conn, id, scratch.bytes(record.name), scratch.bytes(record.type), passive ? 1 : 0,
                record.durable ? 1 : 0, record.autoDelete ? 1 : 0, record.internal ? 1 : 0,
                scratch.table(record.arguments))
            try checkReply(channel: id, state: state)
            if !passive { remember(record) }
            return .ok
        case .exchangeDelete(let name, let ifUnused):
            _ = amqp_exchange_delete(conn, id, scratch.bytes(name), ifUnused ? 1 : 0)
            try checkReply(channel: id, state: state)
            forgetExchange(name)
            return .ok
        case .queueDeclare(let record, let passive):
            let ok = amqp_queue_declare(
                conn, id, scratch.bytes(record.name), passive ? 1 : 0, record.durable ? 1 : 0,
                record.exclusive ? 1 : 0, record.autoDelete ? 1 : 0, scratch.table(record.arguments))
            try checkReply(channel: id, state: state)
            guard let ok else { throw AMQPError.library(status: 0, message: "queue.declare returned no reply") }
            let info = QueueInfo(
                name: CDecoding.string(ok.pointee.queue), messageCount: ok.pointee.message_count,
                consumerCount: ok.pointee.consumer_count)
            if !passive && !record.name.isEmpty { remember(record) }
            return .queue(info)
        case .queueBind(let binding):
            _ = amqp_queue_bind(
                conn, id, scratch.bytes(binding.queue), scratch.bytes(binding.exchange),
                scratch.bytes(binding.routingKey), scratch.table(binding.arguments))
            try checkReply(channel: id, state: state)
            remember(binding)
            return .ok
        case .queueUnbind(let binding):
            _ = amqp_queue_unbind(
                conn, id, scratch.bytes(binding.queue), scratch.bytes(binding.exchange),
                scratch.bytes(binding.routingKey), scratch.table(binding.arguments))
            try checkReply(channel: id, state: state)
            bindings.removeAll { $0 == binding }
            return .ok
        case .queuePurge(let name):
            let ok = amqp_queue_purge(conn, id, scratch.bytes(name))
            try checkReply(channel: id, state: state)
            return .messageCount(ok?.pointee.message_count ?? 0)
        case .queueDelete(let name, let ifUnused, let ifEmpty):
            let ok = amqp_queue_delete(conn, id, scratch.bytes(name), ifUnused ? 1 : 0, ifEmpty ? 1 : 0)
            try checkReply(channel: id, state: state)
            forgetQueue(name)
            return .messageCount(ok?.pointee.message_count ?? 0)
        case .qos(let count, let global):
            _ = amqp_basic_qos(conn, id, 0, count, global ? 1 : 0)
            try checkReply(channel: id, state: state)
            state.prefetch = (count, global)
            return .ok
        }
    }

    /// Turns the reply of the last blocking RPC into success or an ``AMQPError``, handling server closes:
    /// a `channel.close` is acknowledged and the channel (when `state` is given) failed and reopened; a
    /// `connection.close` or a library error loses the connection (and starts recovery).
    func checkReply(channel id: UInt16, state: ChannelState?) throws {
        guard let conn else { throw AMQPError.connectionLost(reason: "not connected") }
        let reply = amqp_get_rpc_reply(conn)
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            return
        case AMQP_RESPONSE_SERVER_EXCEPTION where reply.reply.id == MethodID.channelClose:
            let close = reply.reply.decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
            let error = AMQPError.channelClosed(code: close.reply_code, text: CDecoding.string(close.reply_text))
            serverClosedChannel(id, state: state, error: error)
            throw error
        case AMQP_RESPONSE_SERVER_EXCEPTION where reply.reply.id == MethodID.connectionClose:
            let close = reply.reply.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
            let error = AMQPError.connectionClosed(code: close.reply_code, text: CDecoding.string(close.reply_text))
            serverClosedConnection(error)
            throw error
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            let error = Self.lossError(reply.library_error)
            connectionLost(error)
            throw error
        default:
            let error = AMQPError.connectionLost(reason: "unexpected reply from the broker")
            connectionLost(error)
            throw error
        }
    }

    /// Acknowledges a server `channel.close`, fails what was pending on the channel, ends its consumers with the
    /// error, and reopens it so the ``Channel`` handle stays usable.
    func serverClosedChannel(_ id: UInt16, state: ChannelState?, error: AMQPError) {
        guard let conn else { return }
        var ok = amqp_channel_close_ok_t()
        let rc = amqp_send_method(conn, id, MethodID.channelCloseOK, &ok)
        logger.info("broker closed channel", metadata: ["amqp.channel": "\(id)", "error": "\(error)"])
        guard rc == AMQP_STATUS_OK.rawValue else {
            connectionLost(Self.lossError(rc))
            return
        }
        guard let state else { return }
        failChannel(state, with: error, endConsumers: error)
        do {
            try openOnWire(state)
        } catch let reopenError as AMQPError {
            state.failure = reopenError
        } catch {
            state.failure = .channelClosed(code: 0, text: "\(error)")
        }
    }

    /// Acknowledges a server `connection.close` and treats the connection as lost.
    func serverClosedConnection(_ error: AMQPError) {
        if let conn {
            var ok = amqp_connection_close_ok_t()
            _ = amqp_send_method(conn, 0, MethodID.connectionCloseOK, &ok)
        }
        connectionLost(error)
    }

    // MARK: - Topology journal (replayed after recovery)

    private func remember(_ record: ExchangeRecord) {
        if exchanges.updateValue(record, forKey: record.name) == nil { exchangeOrder.append(record.name) }
    }

    private func remember(_ record: QueueRecord) {
        if queues.updateValue(record, forKey: record.name) == nil { queueOrder.append(record.name) }
    }

    private func remember(_ binding: BindingRecord) {
        if !bindings.contains(binding) { bindings.append(binding) }
    }

    private func forgetExchange(_ name: String) {
        exchanges[name] = nil
        exchangeOrder.removeAll { $0 == name }
        bindings.removeAll { $0.exchange == name }
    }

    private func forgetQueue(_ name: String) {
        queues[name] = nil
        queueOrder.removeAll { $0 == name }
        bindings.removeAll { $0.queue == name }
    }
}
