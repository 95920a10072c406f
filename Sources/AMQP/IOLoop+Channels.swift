internal import CRabbitMQ
import DequeModule
import Logging
import Synchronization

/// A channel's life on the wire: opening (with confirm mode and qos), resetting after a method got no reply, and
/// removal. I/O thread only.
extension IOLoop {
    /// The reserved channel number on which recorded topology is declared again after a reconnect.
    static let recoveryChannelID: UInt16 = 2047

    /// The state of `channel` if it is the one registered under its number (numbers are reused after a close).
    func state(of channel: Channel) -> ChannelState? {
        guard let state = channels[channel.id], state.channel === channel else { return nil }
        return state
    }

    /// Sends `channel.open`, then `confirm.select` and `basic.qos` as the channel's settings need, ahead of any
    /// method waiting. Publishes are held until the last reply.
    func beginOpening(_ state: ChannelState) {
        state.phase = .opening
        var steps: [PendingRequest] = [.channelOpen]
        if state.channel.confirmMode { steps.append(.confirmSelect) }
        if state.prefetch != nil { steps.append(.restoreQos) }
        let entries = steps.map { RequestEntry(request: $0, replies: $0.replies, deadline: Int64.max) }
        if let now = state.rpcs.prepend(entries) { transmit(now, on: state) }
    }

    /// The opening sequence completed: publishes flow, waiting tasks resume, consumers are registered again.
    func channelOpened(_ state: ChannelState) {
        state.phase = .open
        let waiters = state.openWaiters
        state.openWaiters = []
        for waiter in waiters { waiter.resume() }
        if state.id == Self.recoveryChannelID { return }
        restoreConsumers(on: state, now: Self.monotonicNanoseconds())
        checkRecovered()
    }

    /// Resets a channel whose method got no reply: every unconfirmed publish fails with
    /// ``AMQPError/channelReset(reason:)`` (the broker may or may not have it), `channel.close` is sent, frames for
    /// the old channel are dropped until `channel.close-ok`, then the channel is opened again and its consumers are
    /// registered again. Held publishes and waiting methods stay queued.
    func reset(_ state: ChannelState, reason: String) {
        failChannel(
            state, with: .channelReset(reason: reason), endConsumers: nil, keepConsumers: true, keepHeld: true)
        _ = state.rpcs.removeWaiting { $0.isOpeningStep || $0.isReregistration }
        state.registering = []
        for tag in state.consumers.keys where state.unregistered[tag] == nil { state.unregistered[tag] = 0 }
        state.phase = .resetting
        let entry = RequestEntry(request: .reset, replies: PendingRequest.reset.replies, deadline: Int64.max)
        if let now = state.rpcs.prepend([entry]) { transmit(now, on: state) }
    }

    /// The broker answered a reset's `channel.close`: open the channel again (or remove it if it is not wanted).
    func finishReset(_ state: ChannelState) {
        guard channels[state.id] === state else { return }
        if state.closingForGood && !state.rpcs.contains(where: { if case .close = $0 { true } else { false } }) {
            removeChannel(state, releasingID: true)
            return
        }
        beginOpening(state)
    }

    /// Forgets a channel: fails whatever is still queued on it with ``AMQPError/closed``, ends its consumers, and
    /// (when `releasingID`, i.e. the broker has closed it too) makes its number available again.
    func removeChannel(_ state: ChannelState, releasingID: Bool) {
        guard channels[state.id] === state else { return }
        channels[state.id] = nil
        failChannel(state, with: .closed, endConsumers: nil)
        for entry in state.rpcs.removeAll() { fail(entry, with: .closed, on: state, connectionGone: true) }
        for waiter in state.openWaiters { waiter.resume(throwing: AMQPError.closed) }
        state.openWaiters = []
        if releasingID && state.id != Self.recoveryChannelID { releaseChannelID(state.id) }
    }

    /// Settles everything outstanding on a channel and bumps its generation so old delivery tags are never acked.
    /// `endConsumers`: `nil` ends consumer streams normally, an error ends them with it; consumers are kept (to be
    /// registered again) when `keepConsumers`. Held publishes (never sent) fail too unless `keepHeld`.
    func failChannel(
        _ state: ChannelState, with error: AMQPError, endConsumers: AMQPError?, keepConsumers: Bool = false,
        keepHeld: Bool = false
    ) {
        state.channel.generation.add(1, ordering: .releasing)
        state.dropContent()
        state.acks.reset()
        for confirmation in state.tracker.reset() { confirmation.settle(.failure(error)) }
        if !keepHeld {
            while let publishing = state.held.popFirst() { publishing.confirmation.settle(.failure(error)) }
        }
        guard !keepConsumers else { return }
        for registration in state.consumers.values {
            if let endConsumers {
                registration.buffer.finish(throwing: endConsumers)
            } else {
                registration.buffer.finish()
            }
        }
        state.consumers.removeAll()
        state.unregistered.removeAll()
        state.registrationAttempts.removeAll()
        state.registering.removeAll()
    }

    // MARK: - Consumers registered again

    /// Sends `basic.consume` again for the channel's consumers that are due (after a reconnect, a reset or a
    /// failed attempt), except those whose queue is still being declared again.
    func restoreConsumers(on state: ChannelState, now: Int64) {
        guard state.phase == .open, !state.unregistered.isEmpty, conn != nil else { return }
        for (tag, notBefore) in state.unregistered.sorted(by: { $0.key < $1.key })
        where notBefore <= now && !state.registering.contains(tag) {
            guard let registration = state.consumers[tag] else {
                state.unregistered[tag] = nil
                continue
            }
            if pendingReplayQueues.contains(registration.queue) { continue }
            state.registering.insert(tag)
            logger.debug("recovery: consuming again", metadata: ["amqp.consumer": "\(tag)"])
            enqueue(.consume(registration, nil), on: state)
        }
    }

    /// A re-registration failed (no reply in time, or refused with a code other than 404): tried again with the
    /// recovery backoff; reported as ``ConnectionEvent/restoreFailed(what:error:retrying:)``.
    func retryRegistrationLater(_ registration: ConsumerRegistration, after error: AMQPError, on state: ChannelState) {
        let attempt = state.registrationAttempts[registration.tag, default: 0]
        state.registrationAttempts[registration.tag] = attempt + 1
        let delay = configuration.recovery.backoff.delay(attempt: attempt)
        let (seconds, attoseconds) = delay.components
        state.unregistered[registration.tag] =
            Self.monotonicNanoseconds() + seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        logger.warning(
            "recovery: could not consume again; retrying",
            metadata: [
                "amqp.consumer": "\(registration.tag)", "amqp.queue": "\(registration.queue)", "error": "\(error)",
                "retry_in": "\(delay)",
            ])
        events.emit(.restoreFailed(what: consumerName(registration), error: error, retrying: true))
    }
}
