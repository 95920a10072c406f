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
        socketFull = false
        writeBudget = 0
        amqp_destroy_connection(lost)
        connected.store(false, ordering: .relaxed)
        let wasBlocked = blocked.exchange(false, ordering: .relaxed)
        currentEndpoint.withLock { $0 = nil }
        let recover = configuration.recovery.enabled && !exitRequested
        logger.info(
            "AMQP connection lost", metadata: ["error": "\(error)", "recovering": "\(recover)"])
        pendingReplayQueues = []
        if let recovery = channels[Self.recoveryChannelID] { removeChannel(recovery, releasingID: false) }
        for state in Array(channels.values) {
            let entries = state.rpcs.removeAll()
            state.phase = .down
            state.registering = []
            state.registrationAttempts = [:]
            failChannel(state, with: error, endConsumers: error, keepConsumers: recover)
            for tag in state.consumers.keys { state.unregistered[tag] = 0 }
            for entry in entries { fail(entry, with: error, on: state, connectionGone: true) }
            if state.closingForGood { removeChannel(state, releasingID: true) }
        }
        if wasBlocked { events.emit(.unblocked) }
        events.emit(.disconnected(error))
        if recover {
            let uptime = Self.monotonicNanoseconds() - connectedAt
            recoveryAttempt = Self.attemptAfterLoss(
                previous: recoveryAttempt, uptimeNanoseconds: uptime, backoffMaximum: configuration.recovery.backoff)
            nextRecovery = .now + configuration.recovery.backoff.delay(attempt: recoveryAttempt)
        } else {
            for state in Array(channels.values) { removeChannel(state, releasingID: false) }
            exitRequested = true
        }
    }

    /// The backoff attempt to use after a loss: a connection that stayed up for at least the longer of 5 s and the
    /// backoff's maximum starts over at 0; one lost sooner (the broker accepts, then drops it) keeps backing off,
    /// so a broker that fails right after every reconnect is not hammered.
    static func attemptAfterLoss(previous: Int, uptimeNanoseconds: Int64, backoffMaximum backoff: Backoff) -> Int {
        let (seconds, attoseconds) = backoff.maximum.components
        let maximum = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        return uptimeNanoseconds >= max(5_000_000_000, maximum) ? 0 : previous + 1
    }

    /// Tries to reconnect when the backoff delay has passed. On success every channel is reopened, the recorded
    /// topology is declared again on the recovery channel and consumers are registered again, all without
    /// blocking: one stuck step delays only what depends on it.
    func recoverIfDue() {
        guard let due = nextRecovery, ContinuousClock.now >= due else { return }
        do {
            try connectToAnyEndpoint()
        } catch {
            recoveryAttempt += 1
            nextRecovery = .now + configuration.recovery.backoff.delay(attempt: recoveryAttempt)
            logger.debug(
                "AMQP recovery attempt failed", metadata: ["error": "\(error)", "attempt": "\(recoveryAttempt)"])
            return
        }
        nextRecovery = nil
        awaitingRecovered = true
        let topology = recordedTopology()
        pendingReplayQueues = Set(topology.compactMap { if case .queue(let q) = $0 { q.name } else { nil } })
        for id in channels.keys.sorted() {
            guard let state = channels[id] else { continue }
            logger.debug("recovery: reopening channel", metadata: ["amqp.channel": "\(id)"])
            beginOpening(state)
            if conn == nil { return }
        }
        startTopologyReplay(topology)
        checkRecovered()
    }

    /// Declares the recorded exchanges, queues and bindings again, one by one, on the reserved recovery channel.
    private func startTopologyReplay(_ topology: [TopologyEntity]) {
        guard !topology.isEmpty, conn != nil else { return }
        logger.debug("recovery: declaring topology again", metadata: ["count": "\(topology.count)"])
        let channel = Channel(id: Self.recoveryChannelID, confirmMode: false, maxInFlight: 1, loop: self)
        let state = ChannelState(channel: channel)
        state.closingForGood = true
        channels[Self.recoveryChannelID] = state
        beginOpening(state)
        for entity in topology { enqueue(.replay(entity), on: state) }
        enqueue(.close(nil), on: state)
    }

    /// A replayed declaration succeeded or failed: consumers of its queue may be registered now.
    func replayResolved(_ entity: TopologyEntity) {
        guard case .queue(let record) = entity, pendingReplayQueues.remove(record.name) != nil else { return }
        let now = Self.monotonicNanoseconds()
        for state in channels.values where state.id != Self.recoveryChannelID {
            restoreConsumers(on: state, now: now)
        }
    }

    /// Emits ``ConnectionEvent/recovered(endpoint:)`` once every channel is open again after a reconnect.
    func checkRecovered() {
        guard awaitingRecovered, conn != nil,
            channels.values.allSatisfy({ $0.phase == .open || $0.id == Self.recoveryChannelID })
        else { return }
        awaitingRecovered = false
        let endpoint = currentEndpoint.withLock { $0?.description } ?? "?"
        logger.info("AMQP connection recovered", metadata: ["amqp.endpoint": "\(endpoint)"])
        events.emit(.recovered(endpoint: endpoint))
    }
}
