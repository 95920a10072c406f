import Testing

@testable import AMQP

@Suite("Publisher confirm tracking")
struct ConfirmTrackerTests {
    private func tracker(_ n: Int) -> ConfirmTracker<Int> {
        var t = ConfirmTracker<Int>()
        for i in 1...n { #expect(t.register(i) == UInt64(i)) }
        return t
    }

    @Test func singleAcksInOrder() {
        var t = tracker(3)
        #expect(t.ack(1, multiple: false).map(\.0) == [1])
        #expect(t.ack(2, multiple: false).map(\.0) == [2])
        #expect(t.count == 1)
    }

    @Test func multipleAckSettlesEverythingUpToTheTag() {
        var t = tracker(5)
        let settled = t.ack(4, multiple: true)
        #expect(settled.map(\.0) == [1, 2, 3, 4])
        #expect(settled.allSatisfy { $0.1 == .acked })
        #expect(t.count == 1)
    }

    @Test func outOfOrderSingleAcks() {
        var t = tracker(5)
        #expect(t.ack(3, multiple: false).map(\.0) == [3])
        #expect(t.ack(5, multiple: false).map(\.0) == [5])
        #expect(t.ack(1, multiple: true).map(\.0) == [1])
        #expect(t.ack(4, multiple: true).map(\.0) == [2, 4])
        #expect(t.isEmpty)
    }

    @Test func unknownAndDuplicateTagsSettleNothing() {
        var t = tracker(2)
        #expect(t.ack(9, multiple: false).isEmpty)
        #expect(t.ack(1, multiple: false).count == 1)
        #expect(t.ack(1, multiple: false).isEmpty)
    }

    @Test func nackSettlesAsNacked() {
        var t = tracker(3)
        let settled = t.nack(2, multiple: true)
        #expect(settled.map(\.0) == [1, 2])
        #expect(settled.allSatisfy { $0.1 == .nacked })
    }

    @Test func returnMarksTheNextAckedTagOnly() {
        var t = tracker(3)
        t.markReturned(code: 312, text: "NO_ROUTE")
        let settled = t.ack(2, multiple: true)
        #expect(settled[0].1 == .acked)
        #expect(settled[1].1 == .returned(code: 312, text: "NO_ROUTE"))
        #expect(t.ack(3, multiple: false)[0].1 == .acked)
    }

    @Test func channelLossReturnsEveryWaiterAndRestartsNumbering() {
        var t = tracker(4)
        _ = t.ack(1, multiple: false)
        #expect(t.reset() == [2, 3, 4])
        #expect(t.isEmpty)
        #expect(t.register(99) == 1)
    }
}
