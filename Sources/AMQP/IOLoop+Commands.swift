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
            if let state = channels[channel.id] { flushAcks(state) }
            cancelConsumer(channel, tag: tag, done: done)
            return
        case .closeChannel(let channel, let done):
            if let state = channels[channel.id] { flushAcks(state) }
            closeChannel(channel)
            done.resume()
            return
        default:
            break
        }
        guard conn != nil else {
            reject(command, with: .connectionLost(reason: "not connected (recovering)"))
            return
        }
        uncork()
        // Keep acks ahead of anything else the application asked for later on the same channel.
        switch command {
        case .rpc(let channel, _, _), .consume(let channel, _, _):
            if let state = channels[channel.id] { flushAcks(state) }
        default:
            break
        }
        switch command {
        case .openChannel(let channel, let prefetch, let done):
            let state = ChannelState(channel: channel)
            if let prefetch { state.prefetch = (prefetch, false) }
            channels[channel.id] = state
            do {
                try openOnWire(state)
                done.resume()
            } catch {
                channels[channel.id] = nil
                done.resume(throwing: error)
            }
        case .rpc(let channel, let rpc, let done):
            guard let state = usableChannel(channel, failing: { done.resume(throwing: $0) }) else { return }
            do {
                done.resume(returning: try perform(rpc, on: state))
            } catch {
                done.resume(throwing: error)
            }
        case .consume(let channel, let registration, let done):
            guard let state = usableChannel(channel, failing: { done.resume(throwing: $0) }) else { return }
            do {
                try startConsumer(registration, on: state)
                state.consumers[registration.tag] = registration
                done.resume()
            } catch {
                done.resume(throwing: error)
            }
        case .close, .cancelConsumer, .closeChannel, .job, .publish, .settle:
            break
        }
    }

    private func publish(_ publishing: Publishing, on channel: Channel) {
        guard let state = usableChannel(channel, failing: { publishing.confirmation.settle(.failure($0)) })
        else { return }
        if blocked.load(ordering: .relaxed) || !state.held.isEmpty || !state.hasRoom {
            state.held.append(publishing)
        } else {
            send(publishing, on: state)
        }
    }

    private func settle(_ tag: UInt64, _ settlement: Settlement, on channel: Channel, generation: UInt64) {
        guard let conn, let state = channels[channel.id], state.failure == nil,
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
        guard let conn, state.failure == nil else { return }
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

    private func usableChannel(_ channel: Channel, failing: (AMQPError) -> Void) -> ChannelState? {
        guard let state = channels[channel.id] else {
            failing(.closed)
            return nil
        }
        if let failure = state.failure {
            failing(failure)
            return nil
        }
        return state
    }

    // MARK: - Publishing

    /// Writes one `basic.publish`; on a confirm channel registers it for its `basic.ack`.
    func send(_ publishing: Publishing, on state: ChannelState) {
        guard let conn, !publishing.confirmation.isSettled else { return }
        if state.channel.confirmMode {
            _ = state.tracker.register(publishing.confirmation)
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

    /// Sends held publishes while the window has room and the connection is not blocked.
    func flushHeldPublishes() {
        guard !blocked.load(ordering: .relaxed) else { return }
        for state in channels.values where !state.held.isEmpty {
            while conn != nil, state.hasRoom, let next = state.held.popFirst() {
                send(next, on: state)
            }
        }
    }

    func hasDeadlines() -> Bool {
        channels.values.contains { !$0.tracker.isEmpty || !$0.held.isEmpty }
    }

    /// Fails publishes whose deadline passed (every 100 ms at most).
    func scanDeadlinesIfDue(tick: Int64) {
        guard tick - lastDeadlineScan >= 100_000_000 else { return }
        lastDeadlineScan = tick
        let now = ContinuousClock.now
        for state in channels.values {
            state.tracker.forEach { confirmation in
                if let deadline = confirmation.deadline, deadline <= now {
                    confirmation.settle(.failure(AMQPError.confirmTimeout))
                }
            }
            for publishing in state.held {
                if let deadline = publishing.confirmation.deadline, deadline <= now {
                    publishing.confirmation.settle(.failure(AMQPError.confirmTimeout))
                }
            }
        }
    }

    // MARK: - Consumers and channels

    func startConsumer(_ registration: ConsumerRegistration, on state: ChannelState) throws {
        guard let conn else { throw AMQPError.connectionLost(reason: "not connected") }
        defer { scratch.reset() }
        _ = amqp_basic_consume(
            conn, state.id, scratch.bytes(registration.queue), scratch.bytes(registration.tag), 0, 0,
            registration.exclusive ? 1 : 0, scratch.table(registration.arguments))
        try checkReply(channel: state.id, state: state)
        logger.debug(
            "consumer started",
            metadata: ["amqp.queue": "\(registration.queue)", "amqp.consumer": "\(registration.tag)"])
    }

    private func cancelConsumer(_ channel: Channel, tag: String, done: CheckedContinuation<Void, any Error>?) {
        guard let state = channels[channel.id], let registration = state.consumers.removeValue(forKey: tag) else {
            done?.resume()
            return
        }
        var failure: (any Error)?
        if let conn, state.failure == nil {
            _ = amqp_basic_cancel(conn, state.id, scratch.bytes(tag))
            scratch.reset()
            do { try checkReply(channel: state.id, state: state) } catch { failure = error }
        }
        registration.buffer.finish()
        if let failure { done?.resume(throwing: failure) } else { done?.resume() }
    }

    /// Cancels a channel's consumers (waiting for each `basic.cancel-ok`) before the channel or connection closes:
    /// RabbitMQ can drop acks that arrive just before a quorum queue consumer's channel closes (issue 10327 upstream),
    /// which would redeliver messages that were in fact processed.
    func cancelConsumersBeforeClose(_ state: ChannelState) {
        guard let conn, state.failure == nil else { return }
        for tag in state.consumers.keys.sorted() {
            _ = amqp_basic_cancel(conn, state.id, scratch.bytes(tag))
            scratch.reset()
            guard (try? checkReply(channel: state.id, state: nil)) != nil, self.conn != nil else { return }
        }
    }

    private func closeChannel(_ channel: Channel) {
        if let state = channels[channel.id] { cancelConsumersBeforeClose(state) }
        guard let state = channels.removeValue(forKey: channel.id) else { return }
        if let conn, state.failure == nil {
            _ = amqp_channel_close(conn, state.id, AMQP_REPLY_SUCCESS)
        }
        failChannel(state, with: .closed, endConsumers: nil)
    }

    /// Opens the channel on the wire and restores confirm mode and qos. I/O thread only.
    func openOnWire(_ state: ChannelState) throws {
        guard let conn else { throw AMQPError.connectionLost(reason: "not connected") }
        _ = amqp_channel_open(conn, state.id)
        try checkReply(channel: state.id, state: nil)
        if state.channel.confirmMode {
            _ = amqp_confirm_select(conn, state.id)
            try checkReply(channel: state.id, state: nil)
        }
        if let prefetch = state.prefetch {
            _ = amqp_basic_qos(conn, state.id, 0, prefetch.count, prefetch.global ? 1 : 0)
            try checkReply(channel: state.id, state: nil)
        }
        state.failure = nil
    }

    /// Settles everything outstanding on a channel and bumps its generation so old delivery tags are never acked.
    /// `endConsumers`: `nil` ends consumer streams normally, an error ends them with it; consumers are kept (to be
    /// registered again) only when the caller handles that itself.
    func failChannel(
        _ state: ChannelState, with error: AMQPError, endConsumers: AMQPError?, keepConsumers: Bool = false
    ) {
        state.channel.generation.add(1, ordering: .releasing)
        state.dropContent()
        state.acks.reset()
        for confirmation in state.tracker.reset() { confirmation.settle(.failure(error)) }
        while let publishing = state.held.popFirst() { publishing.confirmation.settle(.failure(error)) }
        guard !keepConsumers else { return }
        for registration in state.consumers.values {
            if let endConsumers {
                registration.buffer.finish(throwing: endConsumers)
            } else {
                registration.buffer.finish()
            }
        }
        state.consumers.removeAll()
    }
}
