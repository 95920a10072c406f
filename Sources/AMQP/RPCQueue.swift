internal import DequeModule

/// The synchronous methods of one channel: at most one on the wire, the rest waiting behind it in order.
///
/// AMQP 0-9-1 answers a channel's synchronous methods in order, and a client waits for each reply before it sends
/// the next (rabbitmq-c's own helpers, amqp091-go and the Java client all do). The I/O thread sends the method this
/// queue hands out, then keeps reading frames; the frame handler passes every reply method to ``reply(_:)`` in wire
/// order, so a reply is matched only after the frames the broker sent before it were handled.
///
/// A pure value type with no I/O and no clock (deadlines are monotonic nanoseconds the caller passes in),
/// unit-tested on its own. Not Sendable by itself; the I/O thread owns one per channel.
struct RPCQueue<Request> {
    /// One synchronous method: what to send, which reply methods complete it, and when to give up.
    struct Entry {
        var request: Request
        /// The method ids that answer it (for example `queue.declare-ok`).
        var replies: [UInt32]
        /// Monotonic nanoseconds; past it the entry fails (see ``expire(now:)``).
        var deadline: Int64
    }

    /// What ``expire(now:)`` found.
    struct Expiry {
        /// The method on the wire, if its deadline passed: the channel must be reset (its reply may still come).
        var inFlight: Entry?
        /// Waiting methods whose deadline passed; they were never sent.
        var waiting: [Entry]
    }

    private(set) var inFlight: Entry?
    private var waiting: Deque<Entry> = []

    /// Methods on the wire or waiting.
    var count: Int { waiting.count + (inFlight == nil ? 0 : 1) }
    var isEmpty: Bool { inFlight == nil && waiting.isEmpty }
    /// The earliest deadline of any entry, if any.
    var earliestDeadline: Int64? {
        var earliest = inFlight?.deadline
        for entry in waiting where earliest == nil || entry.deadline < earliest! { earliest = entry.deadline }
        return earliest
    }

    /// Adds a method at the end; returns it when it is to be sent now (nothing else is on the wire).
    mutating func enqueue(_ entry: Entry) -> Entry? {
        if inFlight == nil && waiting.isEmpty {
            inFlight = entry
            return entry
        }
        waiting.append(entry)
        return nil
    }

    /// Puts methods ahead of everything waiting (a channel's reopening sequence); returns the one to send now.
    mutating func prepend(_ entries: [Entry]) -> Entry? {
        waiting.insert(contentsOf: entries, at: 0)
        return sendNextIfIdle()
    }

    /// The entry that goes on the wire after the current one, if any.
    var nextWaiting: Entry? { waiting.first }

    /// Matches a reply method received on the channel: returns the entry it answers (now off the wire; the caller
    /// completes it, then calls ``sendNextIfIdle()``), or `nil` when nothing on the wire expects this method (a late
    /// reply after a reset): ignore it then.
    mutating func reply(_ method: UInt32) -> Entry? {
        guard let current = inFlight, current.replies.contains(method) else { return nil }
        inFlight = nil
        return current
    }

    /// Gives the entry on the wire a new deadline (internal steps count their timeout from when they are sent).
    mutating func restartInFlightDeadline(_ deadline: Int64) {
        inFlight?.deadline = deadline
    }

    /// Whether any entry, on the wire or waiting, matches `predicate`.
    func contains(where predicate: (Request) -> Bool) -> Bool {
        if let inFlight, predicate(inFlight.request) { return true }
        return waiting.contains { predicate($0.request) }
    }

    /// The method on the wire ends without a reply (the broker closed the channel, or the channel was reset);
    /// returns it. Waiting methods stay queued for the channel's next incarnation.
    mutating func abandonInFlight() -> Entry? {
        defer { inFlight = nil }
        return inFlight
    }

    /// After ``abandonInFlight()`` and the channel's reopening: the next method to send, if any.
    mutating func sendNextIfIdle() -> Entry? {
        guard inFlight == nil, let next = waiting.popFirst() else { return nil }
        inFlight = next
        return next
    }

    /// Takes out every entry whose deadline is at or before `now`. The waiting ones are removed; the one on the wire
    /// is removed too (the caller resets the channel, which discards its late reply).
    mutating func expire(now: Int64) -> Expiry {
        var expiry = Expiry(inFlight: nil, waiting: [])
        if let current = inFlight, current.deadline <= now {
            expiry.inFlight = current
            inFlight = nil
        }
        if waiting.contains(where: { $0.deadline <= now }) {
            expiry.waiting = Array(waiting.filter { $0.deadline <= now })
            waiting.removeAll { $0.deadline <= now }
        }
        return expiry
    }

    /// Removes every entry (the connection is gone, or the channel is closed for good), the one on the wire first.
    mutating func removeAll() -> [Entry] {
        var all: [Entry] = []
        if let inFlight { all.append(inFlight) }
        all.append(contentsOf: waiting)
        inFlight = nil
        waiting.removeAll()
        return all
    }

    /// Removes the waiting entries that match `predicate` (never the one on the wire); returns them.
    mutating func removeWaiting(where predicate: (Request) -> Bool) -> [Entry] {
        let removed = Array(waiting.filter { predicate($0.request) })
        if !removed.isEmpty { waiting.removeAll { predicate($0.request) } }
        return removed
    }
}
