internal import DequeModule

/// Turns the single acks an application sends into as few `basic.ack` frames as possible, exactly.
///
/// The broker's `basic.ack(multiple: true, tag: T)` settles every unacknowledged delivery up to `T`. So when the
/// acks collected during one batch of commands cover the oldest outstanding deliveries without a gap, one multiple
/// ack replaces them; acks past a gap (a delivery still being worked on) are sent one by one. A pure value type,
/// unit-tested on its own; the I/O thread owns one per channel.
struct AckCoalescer {
    /// What to put on the wire.
    enum Frame: Equatable {
        case ack(tag: UInt64, multiple: Bool)
    }

    /// Delivered and not yet settled (or settled out of order, see `settledOutOfOrder`), oldest first.
    private var outstanding: Deque<UInt64> = []
    /// Tags settled individually while older ones were still open; skipped when they reach the front.
    private var settledOutOfOrder: Set<UInt64> = []
    /// Single acks collected in the current batch.
    private var pending: [UInt64] = []

    var hasPending: Bool { !pending.isEmpty }
    var outstandingCount: Int { outstanding.count - settledOutOfOrder.count }

    /// A delivery was handed to the application.
    mutating func delivered(_ tag: UInt64) {
        outstanding.append(tag)
    }

    /// The application acked one delivery; it is sent at the next `flush()`.
    mutating func ack(_ tag: UInt64) {
        pending.append(tag)
    }

    /// A delivery was settled some other way (single nack or reject, or rejected by the library itself):
    /// `flush()` first so frames keep their order.
    mutating func settledIndividually(_ tag: UInt64) {
        if outstanding.first == tag {
            outstanding.removeFirst()
            skipSettledAtFront()
        } else {
            settledOutOfOrder.insert(tag)
        }
    }

    /// Everything up to `tag` was settled by a multiple ack or nack: `flush()` first.
    mutating func settledThrough(_ tag: UInt64) {
        while let first = outstanding.first, first <= tag {
            outstanding.removeFirst()
            if !settledOutOfOrder.isEmpty { settledOutOfOrder.remove(first) }
        }
    }

    /// The frames for the acks collected since the last flush.
    mutating func flush() -> [Frame] {
        guard !pending.isEmpty else { return [] }
        pending.sort()
        var frames: [Frame] = []
        var index = 0
        var prefixEnd: UInt64?
        skipSettledAtFront()
        while index < pending.count, let first = outstanding.first, first == pending[index] {
            outstanding.removeFirst()
            prefixEnd = first
            index += 1
            skipSettledAtFront()
        }
        if let prefixEnd {
            // Every outstanding delivery up to prefixEnd is settled, so one multiple ack covers exactly these.
            frames.append(.ack(tag: prefixEnd, multiple: true))
        }
        while index < pending.count {
            let tag = pending[index]
            frames.append(.ack(tag: tag, multiple: false))
            settledOutOfOrder.insert(tag)
            index += 1
        }
        pending.removeAll(keepingCapacity: true)
        return frames
    }

    /// The channel is gone: nothing it delivered can be settled any more.
    mutating func reset() {
        outstanding.removeAll()
        settledOutOfOrder.removeAll()
        pending.removeAll()
    }

    private mutating func skipSettledAtFront() {
        while !settledOutOfOrder.isEmpty, let first = outstanding.first, settledOutOfOrder.remove(first) != nil {
            outstanding.removeFirst()
        }
    }
}
