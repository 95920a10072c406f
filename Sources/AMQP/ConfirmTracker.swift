internal import DequeModule

/// Publisher-confirm bookkeeping for one channel: a pure value type with no I/O, unit-tested on its own.
///
/// Each publish on a confirm-mode channel gets the next sequence number (the broker counts from 1 per channel).
/// `basic.ack`/`basic.nack` settle one number or, with `multiple`, every number up to it.
///
/// A `basic.return` (a mandatory publish that could not be routed) carries no sequence number. RabbitMQ sends it
/// before the ack that covers the message, and returns in publish order, but that ack is often a coalesced
/// `multiple` one covering routed publishes too. So a return is matched by content: it marks the oldest pending
/// mandatory publish with the same exchange, routing key and body that is not marked yet, and the ack that later
/// settles that publish reports it returned. Two publishes with the same exchange, routing key and body route the
/// same way, so which of two identical ones is marked does not change any outcome.
struct ConfirmTracker<Waiter> {
    /// How a publish ended, as far as the broker is concerned.
    enum Outcome: Equatable {
        case acked
        case nacked
        case returned(code: UInt16, text: String)
    }

    /// What identifies a mandatory publish in a `basic.return`.
    struct ReturnKey: Equatable {
        var exchange: String
        var routingKey: String
        var body: [UInt8]
    }

    private struct Entry {
        var sequence: UInt64
        var waiter: Waiter
        /// Set for mandatory publishes only (the others are never returned).
        var returnKey: ReturnKey?
        var returned: (code: UInt16, text: String)?
    }

    private(set) var nextSequence: UInt64 = 1
    private var pending: Deque<Entry> = []
    /// How many pending entries have a return key (skips the search when none do).
    private var mandatoryCount = 0

    /// Publishes awaiting their confirm.
    var count: Int { pending.count }
    var isEmpty: Bool { pending.isEmpty }

    /// Registers the next publish; returns its sequence number. `returnKey` is given for mandatory publishes.
    mutating func register(_ waiter: Waiter, returnKey: ReturnKey? = nil) -> UInt64 {
        let sequence = nextSequence
        nextSequence += 1
        pending.append(Entry(sequence: sequence, waiter: waiter, returnKey: returnKey))
        if returnKey != nil { mandatoryCount += 1 }
        return sequence
    }

    /// Visits every waiter still pending, oldest first.
    func forEach(_ body: (Waiter) -> Void) {
        for entry in pending { body(entry.waiter) }
    }

    /// Records a `basic.return`: marks the oldest unmarked pending mandatory publish with this content. Returns
    /// `false` when none matches (nothing changes then).
    @discardableResult
    mutating func markReturned(code: UInt16, text: String, key: ReturnKey) -> Bool {
        guard mandatoryCount > 0,
            let index = pending.firstIndex(where: { $0.returned == nil && $0.returnKey == key })
        else { return false }
        pending[index].returned = (code, text)
        return true
    }

    /// Applies `basic.ack`; returns the settled waiters in sequence order.
    mutating func ack(_ tag: UInt64, multiple: Bool) -> [(Waiter, Outcome)] {
        take(tag, multiple: multiple).map { entry in
            guard let returned = entry.returned else { return (entry.waiter, .acked) }
            return (entry.waiter, .returned(code: returned.code, text: returned.text))
        }
    }

    /// Applies `basic.nack`; returns the settled waiters in sequence order.
    mutating func nack(_ tag: UInt64, multiple: Bool) -> [(Waiter, Outcome)] {
        take(tag, multiple: multiple).map { ($0.waiter, .nacked) }
    }

    /// Removes and returns every waiter (channel or connection lost), and restarts numbering at 1 for the
    /// channel's next incarnation.
    mutating func reset() -> [Waiter] {
        let all = pending.map(\.waiter)
        pending.removeAll()
        nextSequence = 1
        mandatoryCount = 0
        return all
    }

    private mutating func take(_ tag: UInt64, multiple: Bool) -> [Entry] {
        let taken = takeEntries(tag, multiple: multiple)
        if mandatoryCount > 0 {
            for entry in taken where entry.returnKey != nil { mandatoryCount -= 1 }
        }
        return taken
    }

    private mutating func takeEntries(_ tag: UInt64, multiple: Bool) -> [Entry] {
        if multiple {
            var settled: [Entry] = []
            while let first = pending.first, first.sequence <= tag {
                settled.append(pending.removeFirst())
            }
            return settled
        }
        // Usually the oldest; otherwise a binary search (sequence numbers are increasing).
        if let first = pending.first, first.sequence == tag {
            return [pending.removeFirst()]
        }
        var low = 0
        var high = pending.count - 1
        while low <= high {
            let mid = (low + high) / 2
            let sequence = pending[mid].sequence
            if sequence == tag {
                return [pending.remove(at: mid)]
            } else if sequence < tag {
                low = mid + 1
            } else {
                high = mid - 1
            }
        }
        return []
    }
}
