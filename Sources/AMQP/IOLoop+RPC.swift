internal import CRabbitMQ
import DequeModule
import Logging
import Synchronization

/// Synchronous methods without blocking: each channel's ``RPCQueue`` puts one method on the wire, the frame handler
/// matches its reply in wire order (so every frame the broker sent before the reply is handled before it), and a
/// method without a reply in time fails alone and resets only its channel.
extension IOLoop {
    typealias RequestEntry = RPCQueue<PendingRequest>.Entry

    /// The configured RPC timeout in nanoseconds.
    var rpcTimeoutNanoseconds: Int64 {
        let (seconds, attoseconds) = configuration.rpcTimeout.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    /// Queues a synchronous method on a channel and sends it if nothing else is on the wire there.
    func enqueue(_ request: PendingRequest, on state: ChannelState) {
        let deadline = request.isInternal ? Int64.max : Self.monotonicNanoseconds() + rpcTimeoutNanoseconds
        let entry = RequestEntry(request: request, replies: request.replies, deadline: deadline)
        if let now = state.rpcs.enqueue(entry) { transmit(now, on: state) }
    }

    /// Sends the next waiting method of a channel, if none is on the wire.
    func sendNext(on state: ChannelState) {
        guard conn != nil, channels[state.id] === state, state.phase != .down,
            let next = state.rpcs.sendNextIfIdle()
        else { return }
        transmit(next, on: state)
    }

    /// A reply method arrived on a channel: completes what it answers, then sends the next method.
    func handleReply(_ method: amqp_method_t, on state: ChannelState) {
        guard let entry = state.rpcs.reply(method.id) else {
            logger.debug(
                "ignoring a reply nothing waits for",
                metadata: ["amqp.method": "\(method.id)", "amqp.channel": "\(state.id)"])
            return
        }
        complete(entry.request, reply: method.decoded, on: state)
        sendNext(on: state)
    }

    private func complete(_ request: PendingRequest, reply: UnsafeMutableRawPointer?, on state: ChannelState) {
        switch request {
        case .channelOpen, .confirmSelect, .restoreQos:
            if state.rpcs.nextWaiting?.request.isOpeningStep != true { channelOpened(state) }
        case .application(let rpc, let continuation):
            continuation.resume(returning: result(of: rpc, reply: reply, on: state))
        case .consume(let registration, let continuation):
            state.registering.remove(registration.tag)
            if let continuation {
                state.consumers[registration.tag] = registration
                continuation.resume()
                logger.debug(
                    "consumer started",
                    metadata: ["amqp.queue": "\(registration.queue)", "amqp.consumer": "\(registration.tag)"])
            } else if state.consumers[registration.tag] != nil {
                state.unregistered[registration.tag] = nil
                state.registrationAttempts[registration.tag] = nil
                logger.info(
                    "recovery: consuming again",
                    metadata: ["amqp.queue": "\(registration.queue)", "amqp.consumer": "\(registration.tag)"])
            }
        case .cancel(let registration, let continuation):
            registration.buffer.finish()
            continuation?.resume()
        case .close(let continuation):
            removeChannel(state, releasingID: true)
            continuation?.resume()
        case .reset:
            finishReset(state)
        case .replay(let entity):
            logger.debug("recovery: declared \(entity) again")
            replayResolved(entity)
        }
    }

    /// Ends a method that will get no reply. `connectionGone`: the connection was lost (nothing is retried on it;
    /// a reconnect restores what is kept).
    func fail(_ entry: RequestEntry, with error: AMQPError, on state: ChannelState, connectionGone: Bool = false) {
        switch entry.request {
        case .channelOpen, .confirmSelect, .restoreQos:
            guard !state.openWaiters.isEmpty else { return }
            // The first open failed: the application never got the channel.
            let waiters = state.openWaiters
            state.openWaiters = []
            for waiter in waiters { waiter.resume(throwing: error) }
            state.closingForGood = true
            if connectionGone { removeChannel(state, releasingID: true) }
        case .application(_, let continuation):
            continuation.resume(throwing: error)
        case .consume(let registration, let continuation):
            state.registering.remove(registration.tag)
            if let continuation {
                registration.buffer.finish()
                continuation.resume(throwing: error)
            } else if !connectionGone, state.consumers[registration.tag] != nil {
                retryRegistrationLater(registration, after: error, on: state)
            }
        case .cancel(let registration, let continuation):
            registration.buffer.finish()
            continuation?.resume()
        case .close(let continuation):
            // Without its close-ok the broker may still hold the channel: its number is not reused.
            removeChannel(state, releasingID: connectionGone)
            continuation?.resume()
        case .reset:
            break
        case .replay(let entity):
            if !connectionGone {
                logger.warning("recovery: could not declare \(entity) again: \(error)")
                events.emit(.restoreFailed(what: entity.description, error: error, retrying: false))
            }
            replayResolved(entity)
        }
    }

    /// Fails methods past their deadline (called from the deadline scan). A method on the wire without a reply
    /// resets its channel: only that channel is affected.
    func expireRequests(now: Int64) {
        for state in Array(channels.values) where !state.rpcs.isEmpty {
            let expiry = state.rpcs.expire(now: now)
            for entry in expiry.waiting where !entry.request.isOpeningStep {
                fail(entry, with: .rpcTimeout(method: entry.request.name), on: state)
            }
            guard let inFlight = expiry.inFlight, conn != nil else { continue }
            let error = AMQPError.rpcTimeout(method: inFlight.request.name)
            logger.warning(
                "no reply in time: resetting the channel",
                metadata: ["amqp.channel": "\(state.id)", "amqp.method": "\(inFlight.request.name)"])
            fail(inFlight, with: error, on: state)
            if channels[state.id] === state { reset(state, reason: "\(inFlight.request.name) got no reply in time") }
        }
    }

    // MARK: - Server closes

    /// Acknowledges a server `channel.close`: fails the method it answered and the unconfirmed publishes, and
    /// reopens the channel at once (publishes never sent stay held and go out on the new channel). Consumers end
    /// with the error, unless the close answered a consumer's re-registration: then the others are registered
    /// again, and that one too unless its queue is gone (404).
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
        if state.phase == .resetting {
            // Both sides closed at once: this close ends the reset as its close-ok would.
            _ = state.rpcs.abandonInFlight()
            finishReset(state)
            return
        }
        let inFlight = state.rpcs.abandonInFlight()
        var reregistration: ConsumerRegistration?
        if case .consume(let registration, nil) = inFlight?.request { reregistration = registration }
        failChannel(state, with: error, endConsumers: error, keepConsumers: reregistration != nil, keepHeld: true)
        _ = state.rpcs.removeWaiting { $0.isOpeningStep || $0.isReregistration }
        state.registering = []
        if let reregistration {
            for tag in state.consumers.keys where state.unregistered[tag] == nil { state.unregistered[tag] = 0 }
            if case .channelClosed(404, _) = error {
                state.consumers[reregistration.tag] = nil
                state.unregistered[reregistration.tag] = nil
                reregistration.buffer.finish(throwing: error)
                logger.warning("recovery: consumer \(reregistration.tag) ended: \(error)")
                events.emit(.restoreFailed(what: consumerName(reregistration), error: error, retrying: false))
            } else {
                retryRegistrationLater(reregistration, after: error, on: state)
            }
        } else if let inFlight {
            fail(inFlight, with: error, on: state)
        }
        guard channels[id] === state else { return }
        if state.closingForGood && !state.rpcs.contains(where: { if case .close = $0 { true } else { false } }) {
            channels[id] = nil
            failChannel(state, with: .closed, endConsumers: nil)
            for entry in state.rpcs.removeAll() { fail(entry, with: .closed, on: state, connectionGone: true) }
            releaseChannelID(id, quarantined: true)
            return
        }
        renumber(state)
        beginOpening(state)
    }

    /// Moves a channel the broker closed to a fresh number before reopening it: RabbitMQ can still send frames of
    /// the closed channel (deliveries, confirms) after it answered the next `channel.open` on the same number, and
    /// an old `basic.ack(multiple)` would then confirm the new channel's publishes. Frames for the old number are
    /// ignored; the number is reused only after a quarantine.
    private func renumber(_ state: ChannelState) {
        guard state.id != Self.recoveryChannelID, let fresh = allocateChannelID() else { return }
        let old = state.id
        channels[old] = nil
        state.id = fresh
        state.channel.number.store(fresh, ordering: .relaxed)
        channels[fresh] = state
        releaseChannelID(old, quarantined: true)
        logger.debug(
            "reopening the channel under a new number", metadata: ["amqp.channel": "\(old)", "new": "\(fresh)"])
    }

    /// Acknowledges a server `connection.close` and treats the connection as lost.
    func serverClosedConnection(_ error: AMQPError) {
        if let conn {
            var ok = amqp_connection_close_ok_t()
            _ = amqp_send_method(conn, 0, MethodID.connectionCloseOK, &ok)
        }
        connectionLost(error)
    }

    func consumerName(_ registration: ConsumerRegistration) -> String {
        "consumer \(registration.tag) on queue \(registration.queue)"
    }
}
