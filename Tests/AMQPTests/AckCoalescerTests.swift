import Testing

@testable import AMQP

@Suite("Coalescing acknowledgements")
struct AckCoalescerTests {
    private func delivered(_ tags: ClosedRange<UInt64>) -> AckCoalescer {
        var coalescer = AckCoalescer()
        for tag in tags { coalescer.delivered(tag) }
        return coalescer
    }

    @Test func contiguousAcksFromTheOldestBecomeOneMultipleAck() {
        var c = delivered(1...5)
        for tag in [3, 1, 2] as [UInt64] { c.ack(tag) }
        #expect(c.flush() == [.ack(tag: 3, multiple: true)])
        #expect(c.outstandingCount == 2)
    }

    @Test func acksPastAGapAreSentOneByOne() {
        var c = delivered(1...5)
        c.ack(1)
        c.ack(3)
        c.ack(5)
        #expect(
            c.flush() == [.ack(tag: 1, multiple: true), .ack(tag: 3, multiple: false), .ack(tag: 5, multiple: false)])
        // Once 2 and 4 are acked, one multiple ack of 4 settles them (3 was acked already, 5 is not covered).
        c.ack(2)
        c.ack(4)
        #expect(c.flush() == [.ack(tag: 4, multiple: true)])
        #expect(c.outstandingCount == 0)
    }

    @Test func aMultipleAckNeverCoversAnUnsettledDelivery() {
        var c = delivered(1...4)
        c.ack(2)
        c.ack(3)
        #expect(c.flush() == [.ack(tag: 2, multiple: false), .ack(tag: 3, multiple: false)])
        c.ack(1)
        // 4 is still open: the multiple ack stops at 1 (2 and 3 were acked already).
        #expect(c.flush() == [.ack(tag: 1, multiple: true)])
        #expect(c.outstandingCount == 1)
    }

    @Test func nacksAndRejectsBreakAndThenExtendThePrefix() {
        var c = delivered(1...4)
        c.settledIndividually(2)  // e.g. rejected
        c.ack(1)
        c.ack(3)
        #expect(c.flush() == [.ack(tag: 3, multiple: true)])
        c.settledThrough(4)
        #expect(c.outstandingCount == 0)
        #expect(c.flush().isEmpty)
    }

    @Test func resetForgetsEverything() {
        var c = delivered(1...3)
        c.ack(1)
        c.reset()
        #expect(!c.hasPending)
        #expect(c.outstandingCount == 0)
        #expect(c.flush().isEmpty)
    }
}
