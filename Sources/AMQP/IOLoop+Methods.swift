internal import CRabbitMQ

extension IOLoop {
    /// Writes the synchronous method of `entry` on the channel with `amqp_send_method` (no waiting: the reply is
    /// matched by the frame handler in wire order). A failed write loses the connection. I/O thread only.
    func transmit(_ entry: RPCQueue<PendingRequest>.Entry, on state: ChannelState) {
        guard let conn else { return }
        if entry.request.isInternal {
            let timeout = entry.request.isReset ? Int64.max : Self.monotonicNanoseconds() + rpcTimeoutNanoseconds
            state.rpcs.restartInFlightDeadline(timeout)
        }
        defer { scratch.reset() }
        let id = state.id
        let rc: Int32
        switch entry.request {
        case .channelOpen:
            var method = amqp_channel_open_t(out_of_band: amqp_bytes_t(len: 0, bytes: nil))
            rc = amqp_send_method(conn, id, MethodID.channelOpen, &method)
        case .confirmSelect:
            var method = amqp_confirm_select_t(nowait: 0)
            rc = amqp_send_method(conn, id, MethodID.confirmSelect, &method)
        case .restoreQos:
            let prefetch = state.prefetch ?? (0, false)
            var method = amqp_basic_qos_t(
                prefetch_size: 0, prefetch_count: prefetch.count, global: prefetch.global ? 1 : 0)
            rc = amqp_send_method(conn, id, MethodID.basicQos, &method)
        case .application(let rpc, _):
            rc = send(rpc, conn: conn, channel: id)
        case .consume(let registration, _):
            var method = amqp_basic_consume_t()
            method.queue = scratch.bytes(registration.queue)
            method.consumer_tag = scratch.bytes(registration.tag)
            method.exclusive = registration.exclusive ? 1 : 0
            method.arguments = scratch.table(registration.arguments)
            rc = amqp_send_method(conn, id, MethodID.basicConsume, &method)
        case .cancel(let registration, _):
            var method = amqp_basic_cancel_t(consumer_tag: scratch.bytes(registration.tag), nowait: 0)
            rc = amqp_send_method(conn, id, MethodID.basicCancel, &method)
        case .close, .reset:
            var method = amqp_channel_close_t(
                reply_code: UInt16(AMQP_REPLY_SUCCESS), reply_text: scratch.bytes("OK"), class_id: 0, method_id: 0)
            rc = amqp_send_method(conn, id, MethodID.channelClose, &method)
        case .replay(let entity):
            rc = send(entity, conn: conn, channel: id)
        }
        if rc != AMQP_STATUS_OK.rawValue { connectionLost(Self.lossError(rc)) }
    }

    private func send(_ rpc: RPC, conn: amqp_connection_state_t, channel id: UInt16) -> Int32 {
        switch rpc {
        case .exchangeDeclare(let record, let passive):
            return sendExchangeDeclare(record, passive: passive, conn: conn, channel: id)
        case .exchangeDelete(let name, let ifUnused):
            var method = amqp_exchange_delete_t()
            method.exchange = scratch.bytes(name)
            method.if_unused = ifUnused ? 1 : 0
            return amqp_send_method(conn, id, MethodID.exchangeDelete, &method)
        case .queueDeclare(let record, let passive):
            return sendQueueDeclare(record, passive: passive, conn: conn, channel: id)
        case .queueBind(let binding):
            return sendQueueBind(binding, conn: conn, channel: id)
        case .queueUnbind(let binding):
            var method = amqp_queue_unbind_t()
            method.queue = scratch.bytes(binding.queue)
            method.exchange = scratch.bytes(binding.exchange)
            method.routing_key = scratch.bytes(binding.routingKey)
            method.arguments = scratch.table(binding.arguments)
            return amqp_send_method(conn, id, MethodID.queueUnbind, &method)
        case .queuePurge(let name):
            var method = amqp_queue_purge_t()
            method.queue = scratch.bytes(name)
            return amqp_send_method(conn, id, MethodID.queuePurge, &method)
        case .queueDelete(let name, let ifUnused, let ifEmpty):
            var method = amqp_queue_delete_t()
            method.queue = scratch.bytes(name)
            method.if_unused = ifUnused ? 1 : 0
            method.if_empty = ifEmpty ? 1 : 0
            return amqp_send_method(conn, id, MethodID.queueDelete, &method)
        case .qos(let count, let global):
            var method = amqp_basic_qos_t(prefetch_size: 0, prefetch_count: count, global: global ? 1 : 0)
            return amqp_send_method(conn, id, MethodID.basicQos, &method)
        }
    }

    private func send(_ entity: TopologyEntity, conn: amqp_connection_state_t, channel id: UInt16) -> Int32 {
        switch entity {
        case .exchange(let record): sendExchangeDeclare(record, passive: false, conn: conn, channel: id)
        case .queue(let record): sendQueueDeclare(record, passive: false, conn: conn, channel: id)
        case .binding(let binding): sendQueueBind(binding, conn: conn, channel: id)
        }
    }

    private func sendExchangeDeclare(
        _ record: ExchangeRecord, passive: Bool, conn: amqp_connection_state_t, channel id: UInt16
    ) -> Int32 {
        var method = amqp_exchange_declare_t()
        method.exchange = scratch.bytes(record.name)
        method.type = scratch.bytes(record.type)
        method.passive = passive ? 1 : 0
        method.durable = record.durable ? 1 : 0
        method.auto_delete = record.autoDelete ? 1 : 0
        method.internal = record.internal ? 1 : 0
        method.arguments = scratch.table(record.arguments)
        return amqp_send_method(conn, id, MethodID.exchangeDeclare, &method)
    }

    private func sendQueueDeclare(
        _ record: QueueRecord, passive: Bool, conn: amqp_connection_state_t, channel id: UInt16
    ) -> Int32 {
        var method = amqp_queue_declare_t()
        method.queue = scratch.bytes(record.name)
        method.passive = passive ? 1 : 0
        method.durable = record.durable ? 1 : 0
        method.exclusive = record.exclusive ? 1 : 0
        method.auto_delete = record.autoDelete ? 1 : 0
        method.arguments = scratch.table(record.arguments)
        return amqp_send_method(conn, id, MethodID.queueDeclare, &method)
    }

    private func sendQueueBind(_ binding: BindingRecord, conn: amqp_connection_state_t, channel id: UInt16) -> Int32 {
        var method = amqp_queue_bind_t()
        method.queue = scratch.bytes(binding.queue)
        method.exchange = scratch.bytes(binding.exchange)
        method.routing_key = scratch.bytes(binding.routingKey)
        method.arguments = scratch.table(binding.arguments)
        return amqp_send_method(conn, id, MethodID.queueBind, &method)
    }

    /// What an application method's reply means, and its effect on the topology journal and the channel.
    func result(of rpc: RPC, reply decoded: UnsafeMutableRawPointer?, on state: ChannelState) -> RPCResult {
        switch rpc {
        case .exchangeDeclare(let record, let passive):
            if !passive { remember(record) }
            return .ok
        case .exchangeDelete(let name, _):
            forgetExchange(name)
            return .ok
        case .queueDeclare(let record, let passive):
            guard let ok = decoded?.assumingMemoryBound(to: amqp_queue_declare_ok_t.self).pointee else {
                return .queue(QueueInfo(name: record.name, messageCount: 0, consumerCount: 0))
            }
            if !passive && !record.name.isEmpty { remember(record) }
            return .queue(
                QueueInfo(
                    name: CDecoding.string(ok.queue), messageCount: ok.message_count,
                    consumerCount: ok.consumer_count))
        case .queueBind(let binding):
            remember(binding)
            return .ok
        case .queueUnbind(let binding):
            bindings.removeAll { $0 == binding }
            return .ok
        case .queuePurge:
            let count = decoded?.assumingMemoryBound(to: amqp_queue_purge_ok_t.self).pointee.message_count
            return .messageCount(count ?? 0)
        case .queueDelete(let name, _, _):
            forgetQueue(name)
            let count = decoded?.assumingMemoryBound(to: amqp_queue_delete_ok_t.self).pointee.message_count
            return .messageCount(count ?? 0)
        case .qos(let count, let global):
            state.prefetch = (count, global)
            return .ok
        }
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

    /// The recorded topology in replay order: exchanges, queues, then bindings.
    func recordedTopology() -> [TopologyEntity] {
        exchangeOrder.compactMap { exchanges[$0].map(TopologyEntity.exchange) }
            + queueOrder.compactMap { queues[$0].map(TopologyEntity.queue) } + bindings.map(TopologyEntity.binding)
    }
}
