/// The deliveries of one `basic.consume`, as an `AsyncSequence`.
///
/// Created by ``Channel/consume(queue:prefetch:exclusive:arguments:consumerTag:)``. Iterate it from one task.
/// Deliveries are buffered (at most the channel's prefetch count, since they are unacknowledged). Across a
/// connection recovery the consumer is registered again and the sequence simply continues; deliveries received
/// before the loss can no longer be acked (they are redelivered). The sequence ends with an error when the broker
/// cancels the consumer or closes its channel, and ends normally after ``cancel()`` or when the connection is
/// closed. Cancelling the iterating task ends the iteration normally (`nil`); that, or dropping the consumer and
/// its iterators, cancels it on the broker, and the deliveries it had not yet handed out are rejected with requeue,
/// so the broker gives them to another consumer at once.
public struct Consumer: AsyncSequence, Sendable {
    /// Each element is one delivery.
    public typealias Element = Delivery

    /// Iterates deliveries. The I/O thread hands them over in batches (all that arrived in one read pass, plus any
    /// that arrived while the task was busy), so a busy consumer task is not woken per message.
    public struct AsyncIterator: AsyncIteratorProtocol {
        /// The batch being handed out. A class so that deliveries never handed out (the loop broke or threw
        /// mid-batch) are rejected with requeue when the iterator goes away. Touched only by the iterating task.
        final class Cursor {
            @exclusivity(unchecked) var batch: [Delivery] = []
            @exclusivity(unchecked) var index = 0

            deinit {
                guard index < batch.count else { return }
                for delivery in batch[index...] { try? delivery.reject(requeue: true) }
            }
        }

        let lifetime: DeliveryBuffer.Lifetime
        let cursor = Cursor()

        /// The next delivery, `nil` when the consumer ended normally; throws when the broker cancelled it or
        /// closed its channel.
        public mutating func next() async throws -> Delivery? {
            try await next(isolation: nil)
        }

        /// The next delivery (see ``next()``), running on the caller's isolation: `for try await` calls this one,
        /// so taking a delivery that has already arrived costs no executor hop.
        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> Delivery? {
            if cursor.index < cursor.batch.count {
                defer { cursor.index += 1 }
                return cursor.batch[cursor.index]
            }
            guard let next = try await lifetime.buffer.next(isolation: actor), !next.isEmpty else {
                cursor.batch = []
                cursor.index = 0
                return nil
            }
            cursor.batch = next
            cursor.index = 1
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
