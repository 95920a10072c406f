internal import DequeModule

/// Publisher-confirm bookkeeping for one channel: a pure value type with no I/O, unit-tested on its own.
///
/// Each publish on a confirm-mode channel gets the next sequence number (the broker counts from 1 per channel).
/// `basic.ack`/`basic.nack` settle one number or, with `multiple`, every number up to it. A `basic.return`
/// (mandatory publish that could not be routed) arrives just before the ack of the same message, so the next ack
/// settles its highest tag as returned.
struct ConfirmTracker<Waiter> {
    /// How a publish ended, as far as the broker is concerned.
    enum Outcome: Equatable {
        case acked
        case nacked
        case returned(code: UInt16, text: String)
    }

    private(set) var nextSequence: UInt64 = 1
    private var pending: Deque<(sequence: UInt64, waiter: Waiter)> = []
    private var returned: (code: UInt16, text: String)?

    /// Publishes awaiting their confirm.
    var count: Int { pending.count }
    var isEmpty: Bool { pending.isEmpty }

    /// Registers the next publish; returns its sequence number.
    mutating func register(_ waiter: Waiter) -> UInt64 {
        let sequence = nextSequence
        nextSequence += 1
        pending.append((sequence, waiter))
        return sequence
    }

    /// Visits every waiter still pending, oldest first.
    func forEach(_ body: (Waiter) -> Void) {
        for entry in pending { body(entry.waiter) }
    }

    /// Records a `basic.return`; the next ack settles its message as returned.
    mutating func markReturned(code: UInt16, text: String) {
        returned = (code, text)
    }

    /// Applies `basic.ack`; returns the settled waiters in sequence order.
    mutating func ack(_ tag: UInt64, multiple: Bool) -> [(Waiter, Outcome)] {
        let settle = take(tag, multiple: multiple)
        guard let returned else { return settle.map { ($0.waiter, .acked) } }
        self.returned = nil
        return settle.map {
            ($0.waiter, $0.sequence == tag ? .returned(code: returned.code, text: returned.text) : .acked)
        }
    }

    /// Applies `basic.nack`; returns the settled waiters in sequence order.
    mutating func nack(_ tag: UInt64, multiple: Bool) -> [(Waiter, Outcome)] {
        returned = nil
        return take(tag, multiple: multiple).map { ($0.waiter, .nacked) }
    }

    /// Removes and returns every waiter (channel or connection lost), and restarts numbering at 1 for the
    /// channel's next incarnation.
    mutating func reset() -> [Waiter] {
        let all = pending.map(\.waiter)
        pending.removeAll()
        nextSequence = 1
        returned = nil
        return all
    }

    private mutating func take(_ tag: UInt64, multiple: Bool) -> [(sequence: UInt64, waiter: Waiter)] {
        if multiple {
            var settled: [(sequence: UInt64, waiter: Waiter)] = []
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
