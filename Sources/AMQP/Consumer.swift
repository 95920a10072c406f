/// The deliveries of one `basic.consume`, as an `AsyncSequence`.
///
/// Created by ``Channel/consume(queue:prefetch:exclusive:arguments:consumerTag:)``. Iterate it from one task.
/// Deliveries are buffered (at most the channel's prefetch count, since they are unacknowledged). Across a
/// connection recovery the consumer is registered again and the sequence simply continues; deliveries received
/// before the loss can no longer be acked (they are redelivered). The sequence ends with an error when the broker
/// cancels the consumer or closes its channel, and ends normally after ``cancel()`` or when the connection is
/// closed. Cancelling the iterating task ends the iteration normally (`nil`); that, or dropping the consumer and
/// its iterators, cancels it on the broker; deliveries it had not yet handed out stay unacknowledged until the
/// channel closes, then the broker redelivers them.
public struct Consumer: AsyncSequence, Sendable {
    /// Each element is one delivery.
    public typealias Element = Delivery

    /// Iterates deliveries. The I/O thread hands them over in batches (all that arrived in one read pass, plus any
    /// that arrived while the task was busy), so a busy consumer task is not woken per message.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let lifetime: DeliveryBuffer.Lifetime
        var batch: [Delivery] = []
        var index = 0

        /// The next delivery, `nil` when the consumer ended normally; throws when the broker cancelled it or
        /// closed its channel.
        public mutating func next() async throws -> Delivery? {
            try await next(isolation: nil)
        }

        /// The next delivery (see ``next()``), running on the caller's isolation: `for try await` calls this one,
        /// so taking a delivery that has already arrived costs no executor hop.
        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> Delivery? {
            if index < batch.count {
                defer { index += 1 }
                return batch[index]
            }
            guard let next = try await lifetime.buffer.next(isolation: actor), !next.isEmpty else {
                batch = []
                index = 0
                return nil
            }
            batch = next
            index = 1
            return next[0]
        }
    }

    /// The consumer tag (stable across recoveries).
    public let tag: String
    /// The queue consumed from.
    public let queue: String

    let lifetime: DeliveryBuffer.Lifetime
    let channel: Channel

    /// Starts iteration.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(lifetime: lifetime)
    }

    /// Cancels the consumer on the broker (`basic.cancel`) and ends the sequence once buffered deliveries are read.
    /// Unacknowledged deliveries stay unacknowledged until settled or the channel closes.
    public func cancel() async throws {
        try await channel.cancelConsumer(tag: tag)
    }
}
