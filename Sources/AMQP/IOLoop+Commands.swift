internal import CRabbitMQ
import DequeModule
import Glibc
import Logging
import Synchronization

extension IOLoop {
    /// Runs one command on the I/O thread.
    func execute(_ command: Command) {
        // One switch binds each payload once; the two per-message commands are handled here in full.
        switch command {
        case .publish(let channel, let publishing):
            guard conn != nil else {
                publishing.confirmation.settle(.failure(AMQPError.connectionLost(reason: "not connected (recovering)")))
                return
            }
            publish(publishing, on: channel)
            return
        case .settle(let channel, let generation, let tag, let settlement):
            if conn != nil { settle(tag, settlement, on: channel, generation: generation) }
            return
        case .job(let job, let executor):
            job.runSynchronously(on: executor.asUnownedTaskExecutor())
            return
        case .close(let done):
            closeWaiters.append(done)
            exitRequested = true
            return
        case .cancelConsumer(let channel, let tag, let done):
            cancelConsumer(channel, tag: tag, done: done)
            return
        case .closeChannel(let channel, let done):
            closeChannel(channel, done: done)
            return
        default:
            break
        }
        guard conn != nil else {
            reject(command, with: .connectionLost(reason: "not connected (recovering)"))
            return
        }
        uncork()
        switch command {
        case .openChannel(let channel, let prefetch, let done):
            let state = ChannelState(channel: channel)
            if let prefetch { state.prefetch = (prefetch, false) }
            state.openWaiters.append(done)
            channels[channel.id] = state
            beginOpening(state)
        case .rpc(let channel, let rpc, let done):
            guard let state = state(of: channel) else { return done.resume(throwing: AMQPError.closed) }
            // Keep acks ahead of anything else the application asked for later on the same channel.
            flushAcks(state)
            enqueue(.application(rpc, done), on: state)
        case .consume(let channel, let registration, let done):
            guard let state = state(of: channel) else {
                registration.buffer.finish()
                return done.resume(throwing: AMQPError.closed)
            }
            flushAcks(state)
            enqueue(.consume(registration, done), on: state)
        case .close, .cancelConsumer, .closeChannel, .job, .publish, .settle:
            break
        }
    }

    /// The most publishes a channel holds (blocked, reopening, window or socket full) before refusing more.
    static let heldPublishLimit = 10_000

    private func publish(_ publishing: Publishing, on channel: Channel) {
        guard let state = state(of: channel) else {
            publishing.confirmation.settle(.failure(AMQPError.closed))
            return
        }
        if state.canSendPublishes && !blocked.load(ordering: .relaxed) && hasSocketRoom(for: publishing) {
            send(publishing, on: state)
        } else if state.held.count >= Self.heldPublishLimit {
            publishing.confirmation.settle(.failure(AMQPError.tooManyHeldPublishes(limit: Self.heldPublishLimit)))
        } else {
            state.held.append(publishing)
        }
    }

    private func settle(_ tag: UInt64, _ settlement: Settlement, on channel: Channel, generation: UInt64) {
        guard let conn, let state = state(of: channel), state.phase == .open,
            channel.generation.load(ordering: .relaxed) == generation
        else {
            logger.debug("dropping stale acknowledgement", metadata: ["amqp.delivery_tag": "\(tag)"])
            return
        }
        switch settlement {
        case .ack(false):
            state.acks.ack(tag)
        case .ack(true):
            flushAcks(state)
            send(amqp_basic_ack(conn, state.id, tag, 1))
            state.acks.settledThrough(tag)
        case .nack(let multiple, let requeue):
            flushAcks(state)
            send(amqp_basic_nack(conn, state.id, tag, multiple ? 1 : 0, requeue ? 1 : 0))
            if multiple { state.acks.settledThrough(tag) } else { state.acks.settledIndividually(tag) }
        case .reject(let requeue):
            flushAcks(state)
            send(amqp_basic_reject(conn, state.id, tag, requeue ? 1 : 0))
            state.acks.settledIndividually(tag)
        }
    }

    /// Sends the acks collected for one channel, coalesced (see ``AckCoalescer``).
    func flushAcks(_ state: ChannelState) {
        guard state.acks.hasPending else { return }
        let frames = state.acks.flush()
        guard let conn, state.phase == .open else { return }
        for case .ack(let tag, let multiple) in frames {
            send(amqp_basic_ack(conn, state.id, tag, multiple ? 1 : 0))
            if conn != self.conn { return }
        }
    }

    /// Sends every channel's collected acks; called after each batch of commands.
    func flushAllAcks() {
        for state in channels.values where state.acks.hasPending { flushAcks(state) }
    }

    /// Treats a failed write as a lost connection.
    private func send(_ rc: Int32) {
        if rc != AMQP_STATUS_OK.rawValue { connectionLost(Self.lossError(rc)) }
    }

    /// Fails a command that cannot run.
    func reject(_ command: Command, with error: AMQPError) {
        switch command {
        case .openChannel(_, _, let done): done.resume(throwing: error)
        case .rpc(_, _, let done): done.resume(throwing: error)
        case .publish(_, let publishing): publishing.confirmation.settle(.failure(error))
        case .consume(_, let registration, let done):
            registration.buffer.finish()
            done.resume(throwing: error)
        case .cancelConsumer(_, _, let done): done?.resume()
        case .closeChannel(_, let done): done.resume()
        case .close(let done): closeWaiters.append(done)
        case .settle: break
        case .job(let job, _): globalConcurrentExecutor.enqueue(ExecutorJob(job))
        }
    }

    // MARK: - Publishing

    /// Writes one `basic.publish`; on a confirm channel registers it for its `basic.ack`.
    func send(_ publishing: Publishing, on state: ChannelState) {
        guard let conn, !publishing.confirmation.isSettled else { return }
        if state.channel.confirmMode {
            let key =
                publishing.mandatory
                ? ConfirmTracker<Confirmation>.ReturnKey(
                    exchange: publishing.exchange, routingKey: publishing.routingKey, body: publishing.body) : nil
            _ = state.tracker.register(publishing.confirmation, returnKey: key)
        }
        if !corked { setCork(true) }
        var properties = scratch.properties(publishing.properties)
        let exchange = scratch.bytes(publishing.exchange)
        let routingKey = scratch.bytes(publishing.routingKey)
        let rc = publishing.body.withUnsafeBytes { body in
            amqp_basic_publish(
                conn, state.id, exchange, routingKey, publishing.mandatory ? 1 : 0, 0, &properties,
                amqp_bytes_t(len: body.count, bytes: UnsafeMutableRawPointer(mutating: body.baseAddress)))
        }
        scratch.reset()
        guard rc == AMQP_STATUS_OK.rawValue else {
            publishing.confirmation.settle(.failure(Self.lossError(rc)))
            connectionLost(Self.lossError(rc))
            return
        }
        if !state.channel.confirmMode {
            publishing.confirmation.settle(.success(()))
        }
    }

    /// Releases the publishes corked during this batch (one setsockopt; the kernel sends them at once).
    func uncork() {
        if corked { setCork(false) }
    }

    func setCork(_ on: Bool) {
        corked = on
        guard let conn else { return }
        var value: Int32 = on ? 1 : 0
        _ = setsockopt(amqp_get_sockfd(conn), Int32(IPPROTO_TCP), TCP_CORK, &value, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Sends held publishes while the channel is open, the window and the socket have room and the connection is
    /// not blocked.
    func flushHeldPublishes() {
        guard !blocked.load(ordering: .relaxed), !socketFull else { return }
        for state in channels.values where !state.held.isEmpty && state.phase == .open {
            while conn != nil, state.hasRoom, let next = state.held.first {
                if next.confirmation.isSettled {
                    state.held.removeFirst()
                    continue
                }
                guard hasSocketRoom(for: next) else { return }
                state.held.removeFirst()
                send(next, on: state)
            }
        }
    }

    /// Whether `publishing` fits in the socket's send buffer now. The kernel is asked only when the bytes counted
    /// since the last answer run out; a publish that does not fit is held and the loop waits for POLLOUT. An empty
    /// send queue always takes one message (however large), so big messages still go out.
    func hasSocketRoom(for publishing: Publishing) -> Bool {
        // The body plus its method, header and frame overhead (headers beyond that are covered by the reserve).
        let needed = publishing.body.count + 512
        if writeBudget >= needed {
            writeBudget -= needed
            return true
        }
        guard let conn else { return false }
        var unsent = 0
        let room = crabbitmq_send_room(amqp_get_sockfd(conn), &unsent)
        if room < 0 || unsent == 0 {
            writeBudget = max(0, room)
            return true
        }
        // Keep some room for acks and methods, which are written without this check.
        writeBudget = room - 65_536
        if writeBudget >= needed {
            writeBudget -= needed
            return true
        }
        writeBudget = 0
        socketFull = true
        return false
    }

    func hasDeadlines() -> Bool {
        channels.values.contains {
            !$0.tracker.isEmpty || !$0.held.isEmpty || !$0.rpcs.isEmpty || !$0.unregistered.isEmpty
        }
    }

    /// Fails publishes whose deadline passed (every 100 ms at most).
    func scanDeadlinesIfDue(tick: Int64) {
        guard tick - lastDeadlineScan >= 100_000_000 else { return }
        lastDeadlineScan = tick
        let now = ContinuousClock.now
        expireRequests(now: tick)
        for state in channels.values where state.phase == .open && !state.unregistered.isEmpty {
            restoreConsumers(on: state, now: tick)
        }
        for state in channels.values {
            state.tracker.forEach { confirmation in
                if let deadline = confirmation.deadline, deadline <= now {
                    confirmation.settle(.failure(AMQPError.confirmTimeout))
                }
            }
            var expired = false
            for publishing in state.held {
                if let deadline = publishing.confirmation.deadline, deadline <= now {
                    publishing.confirmation.settle(.failure(AMQPError.confirmTimeout))
                    expired = true
                }
            }
            if expired { state.held.removeAll { $0.confirmation.isSettled } }
        }
    }

    // MARK: - Consumers and channels

    private func cancelConsumer(_ channel: Channel, tag: String, done: CheckedContinuation<Void, any Error>?) {
        guard let state = state(of: channel), let registration = state.consumers.removeValue(forKey: tag) else {
            done?.resume()
            return
        }
        flushAcks(state)
        state.unregistered[tag] = nil
        state.registrationAttempts[tag] = nil
        state.registering.remove(tag)
        _ = state.rpcs.removeWaiting {
            if case .consume(let waiting, nil) = $0 { waiting.tag == tag } else { false }
        }
        guard conn != nil, state.phase != .down else {
            registration.buffer.finish()
            done?.resume()
            return
        }
        enqueue(.cancel(registration, done), on: state)
    }

    /// Closes a channel: its consumers are cancelled first (waiting for each `basic.cancel-ok`: RabbitMQ can drop
    /// acks that arrive just before a quorum queue consumer's channel closes, issue 10327 upstream, which would
    /// redeliver messages that were in fact processed), then `channel.close`; `done` resumes at `close-ok`.
    private func closeChannel(_ channel: Channel, done: CheckedContinuation<Void, Never>) {
        guard let state = state(of: channel) else { return done.resume() }
        flushAcks(state)
        state.closingForGood = true
        guard conn != nil, state.phase != .down else {
            removeChannel(state, releasingID: true)
            return done.resume()
        }
        cancelAllConsumers(state)
        enqueue(.close(done), on: state)
    }

    /// Queues `basic.cancel` for every consumer of the channel (each ends at its `cancel-ok`).
    func cancelAllConsumers(_ state: ChannelState) {
        for tag in state.consumers.keys.sorted() {
            guard let registration = state.consumers.removeValue(forKey: tag) else { continue }
            if state.unregistered[tag] != nil {
                registration.buffer.finish()
            } else {
                enqueue(.cancel(registration, nil), on: state)
            }
        }
        state.unregistered = [:]
        state.registering = []
        _ = state.rpcs.removeWaiting { $0.isReregistration }
    }
}
