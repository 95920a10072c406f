import Logging
import Testing

@testable import AMQP

@Suite("The delivery buffer between the I/O thread and a consumer's task")
struct DeliveryBufferTests {
    let context: Delivery.Context

    init() throws {
        let loop = IOLoop(
            configuration: try ConnectionConfiguration(url: "amqp://127.0.0.1:1"), logger: Logger(label: "test"))
        let channel = Channel(id: 1, confirmMode: false, maxInFlight: 1, loop: loop)
        context = Delivery.Context(exchange: "", routingKey: "q", consumerTag: "c", channel: channel, generation: 0)
    }

    func delivery(_ tag: UInt64) -> Delivery {
        Delivery(
            body: [UInt8(truncatingIfNeeded: tag)], properties: .persistent, deliveryTag: tag, redelivered: false,
            context: context)
    }

    /// Stages `tags` as one read pass and hands them over; returns what the buffer refused.
    func pass(_ buffer: DeliveryBuffer, _ tags: ClosedRange<UInt64>) -> [UInt64] {
        for tag in tags { _ = buffer.stage(delivery(tag)) }
        return buffer.handOver().map(\.deliveryTag)
    }

    func waitUntilWaiting(_ buffer: DeliveryBuffer) async {
        while !buffer.hasWaiter { await Task.yield() }
    }

    @Test func aWaitingReaderGetsTheWholePassAtOnce() async throws {
        let buffer = DeliveryBuffer()
        let reader = Task { try await buffer.next(isolation: nil)?.map(\.deliveryTag) }
        await waitUntilWaiting(buffer)
        #expect(pass(buffer, 1...3).isEmpty)
        #expect(try await reader.value == [1, 2, 3])
    }

    @Test func passesArrivingWhileTheReaderIsBusyAccumulateInOrder() async throws {
        let buffer = DeliveryBuffer()
        #expect(buffer.stage(delivery(1)), "the first staged delivery lists the buffer")
        #expect(!buffer.stage(delivery(2)))
        #expect(buffer.handOver().isEmpty)
        #expect(pass(buffer, 3...4).isEmpty)
        #expect(try await buffer.next(isolation: nil)?.map(\.deliveryTag) == [1, 2, 3, 4])
        #expect(buffer.handOver().isEmpty, "nothing staged: nothing to hand over")
    }

    @Test func finishingWithAnErrorYieldsWhatIsPendingThenThrowsOnce() async throws {
        let buffer = DeliveryBuffer()
        #expect(pass(buffer, 1...2).isEmpty)
        buffer.finish(throwing: AMQPError.consumerCancelled(consumerTag: "c"))
        #expect(pass(buffer, 3...3) == [3], "after the end, deliveries go back to the queue")
        #expect(try await buffer.next(isolation: nil)?.count == 2)
        await #expect(throws: AMQPError.consumerCancelled(consumerTag: "c")) {
            try await buffer.next(isolation: nil)
        }
        #expect(try await buffer.next(isolation: nil) == nil)
    }

    @Test func finishingEndsAWaitingReader() async throws {
        let buffer = DeliveryBuffer()
        let reader = Task { try await buffer.next(isolation: nil) }
        await waitUntilWaiting(buffer)
        buffer.finish()
        #expect(try await reader.value == nil)
    }

    @Test func theReaderGoingAwayRefusesLaterPassesAndCancelsOnce() async throws {
        let buffer = DeliveryBuffer()
        let cancels = LockedValue(0)
        buffer.setOnTermination { cancels.withLock { $0 += 1 } }
        #expect(pass(buffer, 1...2).isEmpty)
        do {
            let lifetime = DeliveryBuffer.Lifetime(buffer)
            _ = lifetime
        }
        buffer.terminate()
        #expect(cancels.withLock { $0 } == 1)
        #expect(pass(buffer, 3...4) == [3, 4])
        #expect(try await buffer.next(isolation: nil) == nil, "pending deliveries were dropped")
        buffer.finish()
        #expect(cancels.withLock { $0 } == 1)
    }

    @Test func cancellingTheWaitingTaskEndsTheIterationAndCancelsTheConsumer() async throws {
        let buffer = DeliveryBuffer()
        let cancels = LockedValue(0)
        buffer.setOnTermination { cancels.withLock { $0 += 1 } }
        let reader = Task { try await buffer.next(isolation: nil) }
        await waitUntilWaiting(buffer)
        reader.cancel()
        #expect(try await reader.value == nil)
        #expect(cancels.withLock { $0 } == 1)
        #expect(pass(buffer, 1...1) == [1])
    }

    @Test func aNormalFinishDoesNotCancel() async throws {
        let buffer = DeliveryBuffer()
        let cancels = LockedValue(0)
        buffer.setOnTermination { cancels.withLock { $0 += 1 } }
        buffer.finish()
        buffer.terminate()
        #expect(cancels.withLock { $0 } == 0)
        #expect(try await buffer.next(isolation: nil) == nil)
    }

    @Test func anOnTerminationSetAfterTheReaderWentAwayRunsAtOnce() {
        let buffer = DeliveryBuffer()
        buffer.terminate()
        let cancels = LockedValue(0)
        buffer.setOnTermination { cancels.withLock { $0 += 1 } }
        #expect(cancels.withLock { $0 } == 1)
    }
}
