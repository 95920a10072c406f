internal import CRabbitMQ
import DequeModule
import Foundation
import Glibc
import Logging
import Synchronization

/// The thread that owns one rabbitmq-c connection, and everything only that thread may touch.
///
/// Other threads talk to it through ``submit(_:)``: a mutex-protected inbox plus a pipe that wakes the thread
/// only when it sleeps in `poll`. The thread runs commands in batches, reads every frame already available, and
/// sleeps in `poll` on the socket and the pipe with a timeout short enough to send heartbeats on time.
///
/// `@unchecked Sendable`: the properties under "Shared" are `let`, `LockedValue` or `Atomic`; every property under
/// "I/O thread only" is read and written exclusively by the thread started in ``start(connected:)``, which is why
/// those are `@exclusivity(unchecked)` (the reasoning is on ``ChannelState``).
final class IOLoop: @unchecked Sendable {
    struct Inbox {
        var commands: [Command] = []
        var sleeping = false
        var accepting = true
        var lastChannelID: UInt16 = 0
        /// Numbers of closed channels, reused (oldest first) before new ones.
        var freeChannelIDs: Deque<UInt16> = []
        /// Numbers of channels the broker closed, with when: reused only after ``IOLoop/quarantine``, since the
        /// broker may still send frames of such a channel for a moment.
        var quarantinedChannelIDs: Deque<(id: UInt16, since: Int64)> = []
        var consumerCount = 0
    }

    // MARK: Shared
    let configuration: ConnectionConfiguration
    let logger: Logger
    let inbox = LockedValue(Inbox())
    /// Read and write ends of the wake-up pipe.
    let wakeFD: Int32
    let wakeWriteFD: Int32
    let connected = Atomic<Bool>(false)
    let blocked = Atomic<Bool>(false)
    /// When the thread last went round its loop (``monotonicNanoseconds()``; 0 before it starts). It goes round at
    /// least once a second unless a blocking call holds it.
    let lastTick = Atomic<Int64>(0)
    let currentEndpoint = LockedValue<Endpoint?>(nil)
    let events = EventHub()
    let tagPrefix = "warren-\(UInt32.random(in: 0...UInt32.max))"

    // MARK: I/O thread only
    @exclusivity(unchecked) var conn: amqp_connection_state_t?
    @exclusivity(unchecked) var channels: [UInt16: ChannelState] = [:] {
        didSet { lastChannel = nil }
    }
    /// The channel the last frame was for: consecutive frames of a stream of deliveries are found without hashing.
    @exclusivity(unchecked) private var lastChannel: ChannelState?
    @exclusivity(unchecked) var exchanges: [String: ExchangeRecord] = [:]
    @exclusivity(unchecked) var queues: [String: QueueRecord] = [:]
    @exclusivity(unchecked) var queueOrder: [String] = []
    @exclusivity(unchecked) var exchangeOrder: [String] = []
    @exclusivity(unchecked) var bindings: [BindingRecord] = []
    let scratch = CScratch()
    @exclusivity(unchecked) var endpointIndex = 0
    @exclusivity(unchecked) var recoveryAttempt = 0
    @exclusivity(unchecked) var nextRecovery: ContinuousClock.Instant?
    @exclusivity(unchecked) var exitRequested = false
    @exclusivity(unchecked) var closeWaiters: [CheckedContinuation<Void, Never>] = []
    /// When deadlines were last scanned (``monotonicNanoseconds()``). I/O thread only.
    @exclusivity(unchecked) var lastDeadlineScan: Int64 = 0
    @exclusivity(unchecked) var heartbeatSeconds: Int = 0
    /// Whether TCP_CORK is set: publishes of one batch leave in as few segments as possible.
    @exclusivity(unchecked) var corked = false
    @exclusivity(unchecked) var lastSubmitted = 0
    /// When the current connection was established (monotonic ns): a loss soon after keeps backing off.
    @exclusivity(unchecked) var connectedAt: Int64 = 0
    /// Queues declared again after a reconnect whose `queue.declare-ok` has not come yet: their consumers wait.
    @exclusivity(unchecked) var pendingReplayQueues: Set<String> = []
    /// Set on reconnect until every channel is open again (then ``ConnectionEvent/recovered(endpoint:)``).
    @exclusivity(unchecked) var awaitingRecovered = false
    /// Bytes that may still be written without asking the kernel for the socket's free room again.
    @exclusivity(unchecked) var writeBudget = 0
    /// Set when a publish did not fit in the socket's send buffer: the loop polls for POLLOUT.
    @exclusivity(unchecked) var socketFull = false

    init(configuration: ConnectionConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        var fds: [Int32] = [-1, -1]
        let rc = pipe(&fds)
        precondition(rc == 0, "pipe failed: \(errno)")
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        wakeFD = fds[0]
        wakeWriteFD = fds[1]
    }

    deinit {
        close(wakeFD)
        close(wakeWriteFD)
    }

    /// Starts the I/O thread; `connected` resumes after the first connection attempt round.
    func start(connected: CheckedContinuation<Void, any Error>) {
        let thread = Thread { [self] in
            run(connected: connected)
        }
        thread.name = "amqp-io"
        thread.start()
    }

    /// The state of channel `id`, if it is open (the I/O thread's per-frame lookup).
    func channelState(_ id: UInt16) -> ChannelState? {
        if let lastChannel, lastChannel.id == id { return lastChannel }
        let state = channels[id]
        lastChannel = state
        return state
    }

    // MARK: - Inbox

    /// Hands a command to the I/O thread. Returns `false` once the loop has stopped accepting (closed).
    func submit(_ command: Command) -> Bool {
        let wake: Bool? = inbox.withLock { inbox in
            guard inbox.accepting else { return nil }
            inbox.commands.append(command)
            defer { inbox.sleeping = false }
            return inbox.sleeping
        }
        guard let wake else { return false }
        if wake { wakeUp() }
        return true
    }

    func wakeUp() {
        var one: UInt8 = 1
        _ = write(wakeWriteFD, &one, 1)
    }

    /// How long the number of a channel the broker closed is kept out of use.
    static let quarantine: Int64 = 10_000_000_000

    /// A free channel number: the oldest closed one, else a new one (at most 2000; 2047 is the recovery
    /// channel's); a number the broker closed only once its quarantine passed, or when no other is left.
    func allocateChannelID() -> UInt16? {
        let now = Self.monotonicNanoseconds()
        return inbox.withLock { inbox in
            guard inbox.accepting else { return nil }
            while let oldest = inbox.quarantinedChannelIDs.first, now - oldest.since >= Self.quarantine {
                inbox.quarantinedChannelIDs.removeFirst()
                inbox.freeChannelIDs.append(oldest.id)
            }
            if let reused = inbox.freeChannelIDs.popFirst() { return reused }
            if inbox.lastChannelID < 2000 {
                inbox.lastChannelID += 1
                return inbox.lastChannelID
            }
            return inbox.quarantinedChannelIDs.popFirst()?.id
        }
    }

    /// Makes a channel number available again: at once after the broker's `channel.close-ok` (or a connection
    /// loss), after ``quarantine`` when the broker closed the channel itself. I/O thread.
    func releaseChannelID(_ id: UInt16, quarantined: Bool = false) {
        let now = Self.monotonicNanoseconds()
        inbox.withLock { inbox in
            if quarantined {
                inbox.quarantinedChannelIDs.append((id, now))
            } else {
                inbox.freeChannelIDs.append(id)
            }
        }
    }

    func makeConsumerTag() -> String {
        let n = inbox.withLock { inbox in
            inbox.consumerCount += 1
            return inbox.consumerCount
        }
        return "\(tagPrefix)-\(n)"
    }

    /// Called from `Connection.deinit`: asks the thread to close without waiting.
    func closeWithoutWaiting() {
        let wake: Bool = inbox.withLock { inbox in
            guard inbox.accepting else { return false }
            inbox.accepting = false
            return true
        }
        if wake { wakeUp() }
    }

    // MARK: - The loop

    /// Cancels every consumer and waits (at most ``shutdownGrace``) for the `cancel-ok`s, reading frames meanwhile,
    /// so acks sent just before are not dropped (RabbitMQ issue 10327). Skipped when the socket is full: the broker
    /// is not reading, and the close must not block.
    private func cancelConsumersBeforeShutdown() {
        guard let conn else { return }
        var unsent = 0
        let room = crabbitmq_send_room(amqp_get_sockfd(conn), &unsent)
        guard room < 0 || room >= 65_536 || unsent == 0 else { return }
        for state in channels.values where state.phase == .open && !state.consumers.isEmpty {
            cancelAllConsumers(state)
        }
        func cancelling() -> Bool {
            channels.values.contains { state in
                state.rpcs.contains { if case .cancel = $0 { true } else { false } }
            }
        }
        let deadline = Self.monotonicNanoseconds() + Self.shutdownGrace
        while self.conn != nil, cancelling(), Self.monotonicNanoseconds() < deadline {
            readAvailableFrames()
            guard let conn = self.conn, cancelling() else { break }
            var fd = pollfd(fd: amqp_get_sockfd(conn), events: Int16(POLLIN), revents: 0)
            _ = poll(&fd, 1, 50)
        }
    }

    private func run(connected: CheckedContinuation<Void, any Error>) {
        do {
            try connectToAnyEndpoint()
            connected.resume()
        } catch {
            inbox.withLock { $0.accepting = false }
            connected.resume(throwing: error)
            events.finish()
            return
        }
        while !exitRequested {
            let tick = Self.monotonicNanoseconds()
            lastTick.store(tick, ordering: .relaxed)
            // Moved out one by one (reversed, then popped): iterating would copy each command, a retain and a
            // release per payload field.
            var commands = takeCommands()
            commands.reverse()
            while let command = commands.popLast() { execute(command) }
            flushAllAcks()
            uncork()
            if exitRequested { break }
            if conn != nil {
                readAvailableFrames()
            }
            if conn != nil {
                flushHeldPublishes()
                uncork()
                scanDeadlinesIfDue(tick: tick)
            } else if !exitRequested {
                recoverIfDue()
            }
            if exitRequested { break }
            sleepUntilWork()
        }
        shutdown()
    }

    private func takeCommands() -> [Command] {
        let (commands, accepting) = inbox.withLock { inbox -> ([Command], Bool) in
            var taken: [Command] = []
            swap(&taken, &inbox.commands)
            return (taken, inbox.accepting)
        }
        if !accepting && commands.isEmpty && closeWaiters.isEmpty {
            // Dropped without close(): close now.
            exitRequested = true
        }
        return commands
    }

    private func sleepUntilWork() {
        let hasWork = inbox.withLock { inbox -> Bool in
            if !inbox.commands.isEmpty || !inbox.accepting { return true }
            inbox.sleeping = true
            return false
        }
        if hasWork { return }
        defer { inbox.withLock { $0.sleeping = false } }
        if let conn, amqp_frames_enqueued(conn) != 0 || amqp_data_in_buffer(conn) != 0 {
            return
        }
        let socketEvents = Int16(socketFull ? POLLIN | POLLOUT : POLLIN)
        var fds = (
            pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0),
            pollfd(fd: conn.map { amqp_get_sockfd($0) } ?? -1, events: socketEvents, revents: 0)
        )
        let timeout = pollTimeoutMilliseconds()
        let ready = withUnsafeMutableBytes(of: &fds) { raw in
            poll(raw.baseAddress!.assumingMemoryBound(to: pollfd.self), conn == nil ? 1 : 2, timeout)
        }
        if ready > 0 && fds.1.revents & Int16(POLLOUT) != 0 {
            socketFull = false
        }
        if ready > 0 && fds.0.revents != 0 {
            // One read empties the pipe unless it filled the buffer (a second read would only return EAGAIN).
            var drain: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
            let size = MemoryLayout.size(ofValue: drain)
            while read(wakeFD, &drain, size) == size {}
        }
    }

    /// CLOCK_MONOTONIC in nanoseconds.
    static func monotonicNanoseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }

    private func pollTimeoutMilliseconds() -> Int32 {
        var timeout: Int64 = 1000
        if conn != nil {
            if heartbeatSeconds > 0 { timeout = min(timeout, max(50, Int64(heartbeatSeconds) * 1000 / 4)) }
            if hasDeadlines() { timeout = min(timeout, 100) }
        } else if let nextRecovery {
            let remaining = ContinuousClock.now.duration(to: nextRecovery)
            timeout = max(0, min(timeout, Int64(Backoff.seconds(remaining) * 1000)))
        }
        return Int32(timeout)
    }

    /// How long a close waits for consumers' `basic.cancel-ok` and for `connection.close-ok`.
    static let shutdownGrace: Int64 = 2_000_000_000

    private func shutdown() {
        flushAllAcks()
        cancelConsumersBeforeShutdown()
        if let conn {
            logger.debug("closing AMQP connection")
            var timeout = Self.cTimeval(.nanoseconds(Self.shutdownGrace))
            _ = amqp_set_rpc_timeout(conn, &timeout)
            _ = amqp_connection_close(conn, AMQP_REPLY_SUCCESS)
            amqp_destroy_connection(conn)
            self.conn = nil
        }
        connected.store(false, ordering: .relaxed)
        let leftovers: [Command] = inbox.withLock { inbox in
            inbox.accepting = false
            var taken: [Command] = []
            swap(&taken, &inbox.commands)
            return taken
        }
        for state in Array(channels.values) { removeChannel(state, releasingID: false) }
        channels.removeAll()
        for command in leftovers { reject(command, with: .closed) }
        events.finish()
        for waiter in closeWaiters { waiter.resume() }
        closeWaiters.removeAll()
    }
}
