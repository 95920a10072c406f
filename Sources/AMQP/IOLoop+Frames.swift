internal import CRabbitMQ
import Glibc
import DequeModule
import Logging
import Synchronization

extension IOLoop {
    /// Reads and dispatches every frame that is already available, without blocking (at most a few thousand, so
    /// commands such as acks are not starved). A zero-timeout read also sends a heartbeat when one is due and
    /// reports a missed broker heartbeat as an error.
    func readAvailableFrames() {
        var frame = amqp_frame_t()
        var zero = Glibc.timeval(tv_sec: 0, tv_usec: 0)
        var count = 0
        while let conn, count < 4096 {
            let rc = amqp_simple_wait_frame_noblock(conn, &frame, &zero)
            if rc == AMQP_STATUS_TIMEOUT.rawValue { break }
            guard rc == AMQP_STATUS_OK.rawValue else {
                connectionLost(Self.lossError(rc))
                return
            }
            dispatch(frame)
            count += 1
        }
        if let conn { amqp_maybe_release_buffers(conn) }
        handOverDeliveries()
    }

    /// Hands each consumer the deliveries of this read pass in one step; a consumer whose iteration ended gets
    /// them rejected back to the queue.
    private func handOverDeliveries() {
        for state in channels.values where !state.staged.isEmpty {
            for buffer in state.staged {
                let refused = buffer.handOver()
                guard !refused.isEmpty, let conn else { continue }
                for delivery in refused {
                    _ = amqp_basic_reject(conn, state.id, delivery.deliveryTag, 1)
                    state.acks.settledIndividually(delivery.deliveryTag)
                }
            }
            state.staged.removeAll(keepingCapacity: true)
        }
    }

    private func dispatch(_ frame: amqp_frame_t) {
        switch Int32(frame.frame_type) {
        case AMQP_FRAME_METHOD:
            handleMethod(frame.payload.method, channel: frame.channel)
        case AMQP_FRAME_HEADER:
            guard let state = channelState(frame.channel), state.contentKind != .none, !state.contentHeaderSeen else {
                return
            }
            state.contentHeaderSeen = true
            state.contentBodySize = Int(frame.payload.properties.body_size)
            if let decoded = frame.payload.properties.decoded {
                state.contentProperties = state.propertiesCache.properties(
                    decoded.assumingMemoryBound(to: amqp_basic_properties_t.self).pointee)
            }
            if state.contentBodySize == 0 { completeContent(on: state) }
        case AMQP_FRAME_BODY:
            guard let state = channelState(frame.channel), state.contentKind != .none, state.contentHeaderSeen else {
                return
            }
            let fragment = frame.payload.body_fragment
            if fragment.len > 0, let base = fragment.bytes {
                let bytes = UnsafeRawBufferPointer(start: base, count: fragment.len)
                if state.contentBody.isEmpty && fragment.len >= state.contentBodySize {
                    // The whole body in one frame (the usual case): one allocation, no growth. Built from the
                    // buffer, not with `init(unsafeUninitializedCapacity:)`: that one reaches the stdlib's
                    // unspecialized array allocation, a generic-metadata lookup per message in the profile.
                    state.contentBody = [UInt8](bytes)
                } else {
                    if state.contentBody.isEmpty { state.contentBody.reserveCapacity(state.contentBodySize) }
                    state.contentBody.append(contentsOf: bytes)
                }
            }
            if state.contentBody.count >= state.contentBodySize { completeContent(on: state) }
        default:
            break
        }
    }

    private func handleMethod(_ method: amqp_method_t, channel id: UInt16) {
        let decoded = method.decoded
        switch method.id {
        case MethodID.basicDeliver:
            // A reset channel's deliveries still on the wire are dropped: the broker requeues them at close-ok.
            guard let state = channelState(id), state.phase == .open, let decoded else { return }
            let deliver = decoded.assumingMemoryBound(to: amqp_basic_deliver_t.self).pointee
            state.beginContent(.delivery)
            state.deliveryTag = deliver.delivery_tag
            state.redelivered = deliver.redelivered != 0
            state.updateDeliveryStrings(
                exchange: deliver.exchange, routingKey: deliver.routing_key, consumerTag: deliver.consumer_tag)
        case MethodID.basicReturn:
            guard let state = channelState(id), state.phase == .open, let decoded else { return }
            let returned = decoded.assumingMemoryBound(to: amqp_basic_return_t.self).pointee
            state.beginContent(.returned)
            state.returnCode = returned.reply_code
            state.returnText = CDecoding.string(returned.reply_text)
            state.returnExchange = CDecoding.string(returned.exchange)
            state.returnRoutingKey = CDecoding.string(returned.routing_key)
        case MethodID.basicAck:
            guard let state = channelState(id), let decoded else { return }
            let ack = decoded.assumingMemoryBound(to: amqp_basic_ack_t.self).pointee
            for (confirmation, outcome) in state.tracker.ack(ack.delivery_tag, multiple: ack.multiple != 0) {
                switch outcome {
                case .acked: confirmation.settle(.success(()))
                case .nacked: confirmation.settle(.failure(AMQPError.publishNacked))
                case .returned(let code, let text):
                    confirmation.settle(.failure(AMQPError.publishReturned(code: code, text: text)))
                }
            }
        case MethodID.basicNack:
            guard let state = channelState(id), let decoded else { return }
            let nack = decoded.assumingMemoryBound(to: amqp_basic_nack_t.self).pointee
            for (confirmation, _) in state.tracker.nack(nack.delivery_tag, multiple: nack.multiple != 0) {
                confirmation.settle(.failure(AMQPError.publishNacked))
            }
        case MethodID.basicCancel:
            guard let state = channelState(id), let decoded else { return }
            let cancel = decoded.assumingMemoryBound(to: amqp_basic_cancel_t.self).pointee
            let tag = CDecoding.string(cancel.consumer_tag)
            if let registration = state.consumers.removeValue(forKey: tag) {
                logger.info("broker cancelled consumer", metadata: ["amqp.consumer": "\(tag)"])
                registration.buffer.finish(throwing: AMQPError.consumerCancelled(consumerTag: tag))
            }
        case MethodID.channelClose:
            guard let decoded else { return }
            let close = decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
            let error = AMQPError.channelClosed(code: close.reply_code, text: CDecoding.string(close.reply_text))
            serverClosedChannel(id, state: channelState(id), error: error)
        case MethodID.connectionClose:
            guard let decoded else { return }
            let close = decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
            serverClosedConnection(
                .connectionClosed(code: close.reply_code, text: CDecoding.string(close.reply_text)))
        case MethodID.connectionBlocked:
            var reason = ""
            if let decoded {
                reason = CDecoding.string(
                    decoded.assumingMemoryBound(to: amqp_connection_blocked_t.self).pointee.reason)
            }
            blocked.store(true, ordering: .relaxed)
            logger.info("broker blocked the connection", metadata: ["reason": "\(reason)"])
            events.emit(.blocked(reason: reason))
        case MethodID.connectionUnblocked:
            guard blocked.exchange(false, ordering: .relaxed) else { return }
            logger.info("broker unblocked the connection")
            events.emit(.unblocked)
        case MethodID.channelFlow:
            guard let conn, let decoded else { return }
            let flow = decoded.assumingMemoryBound(to: amqp_channel_flow_t.self).pointee
            var ok = amqp_channel_flow_ok_t(active: flow.active)
            _ = amqp_send_method(conn, id, MethodID.channelFlowOK, &ok)
        default:
            if let state = channelState(id) {
                handleReply(method, on: state)
            } else {
                logger.trace("ignoring method", metadata: ["amqp.method": "\(method.id)", "amqp.channel": "\(id)"])
            }
        }
    }

    private func completeContent(on state: ChannelState) {
        let kind = state.contentKind
        state.contentKind = .none
        switch kind {
        case .none:
            return
        case .returned:
            var body: [UInt8] = []
            swap(&body, &state.contentBody)
            let key = ConfirmTracker<Confirmation>.ReturnKey(
                exchange: state.returnExchange, routingKey: state.returnRoutingKey, body: body)
            if state.channel.confirmMode {
                if !state.tracker.markReturned(code: state.returnCode, text: state.returnText, key: key) {
                    logger.debug("a returned message matches no publish awaiting its confirm")
                }
            } else {
                logger.info(
                    "message returned",
                    metadata: ["amqp.reply_code": "\(state.returnCode)", "reason": "\(state.returnText)"])
            }
        case .delivery:
            var body: [UInt8] = []
            swap(&body, &state.contentBody)
            guard let buffer = state.currentConsumerBuffer() else {
                // Arrived after a local cancel: hand it back to the queue.
                if let conn { _ = amqp_basic_reject(conn, state.id, state.deliveryTag, 1) }
                return
            }
            let delivery = Delivery(
                body: body, properties: state.contentProperties, deliveryTag: state.deliveryTag,
                redelivered: state.redelivered, context: state.currentDeliveryContext())
            if buffer.stage(delivery) { state.staged.append(buffer) }
            state.acks.delivered(state.deliveryTag)
        }
    }
}
