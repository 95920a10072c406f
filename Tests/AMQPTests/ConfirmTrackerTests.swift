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

    private func key(_ routingKey: String, _ body: [UInt8] = [1]) -> ConfirmTracker<Int>.ReturnKey {
        .init(exchange: "x", routingKey: routingKey, body: body)
    }

    @Test func aReturnSettlesTheMessageItNamesAsReturned() {
        var t = ConfirmTracker<Int>()
        _ = t.register(1, returnKey: key("a"))
        _ = t.register(2, returnKey: key("nobody"))
        _ = t.register(3, returnKey: key("b"))
        let marked = t.markReturned(code: 312, text: "NO_ROUTE", key: key("nobody"))
        #expect(marked)
        let settled = t.ack(3, multiple: true)
        #expect(settled.map(\.1) == [.acked, .returned(code: 312, text: "NO_ROUTE"), .acked])
    }

    /// The defect: the return was applied to the exact tag of the next ack. With RabbitMQ's coalesced acks, two
    /// unroutable publishes in one burst came back as one returned and one confirmed.
    @Test func twoReturnsInOneBurstAreBothReturnedUnderOneMultipleAck() {
        var t = ConfirmTracker<Int>()
        _ = t.register(1, returnKey: key("nobody", [1]))
        _ = t.register(2, returnKey: key("nobody", [2]))
        _ = t.register(3, returnKey: key("routed"))
        let first = t.markReturned(code: 312, text: "NO_ROUTE", key: key("nobody", [1]))
        #expect(first)
        let second = t.markReturned(code: 312, text: "NO_ROUTE", key: key("nobody", [2]))
        #expect(second)
        let settled = t.ack(3, multiple: true)
        #expect(settled.map(\.0) == [1, 2, 3])
        #expect(settled[0].1 == .returned(code: 312, text: "NO_ROUTE"))
        #expect(settled[1].1 == .returned(code: 312, text: "NO_ROUTE"))
        #expect(settled[2].1 == .acked, "the routed publish under the same multiple ack is confirmed")
    }

    @Test func identicalMessagesAreReturnedOldestFirst() {
        var t = ConfirmTracker<Int>()
        _ = t.register(1, returnKey: key("nobody"))
        _ = t.register(2, returnKey: key("nobody"))
        let marked = t.markReturned(code: 312, text: "NO_ROUTE", key: key("nobody"))
        #expect(marked)
        #expect(t.ack(1, multiple: false).map(\.1) == [.returned(code: 312, text: "NO_ROUTE")])
        #expect(t.ack(2, multiple: false).map(\.1) == [.acked])
    }

    @Test func aReturnForNoPendingMandatoryPublishChangesNothing() {
        var t = ConfirmTracker<Int>()
        _ = t.register(1)
        _ = t.register(2, returnKey: key("a"))
        let marked = t.markReturned(code: 312, text: "NO_ROUTE", key: key("other"))
        #expect(!marked)
        #expect(t.ack(2, multiple: true).allSatisfy { $0.1 == .acked })
    }

    @Test func aNackedReturnedPublishIsReportedAsNacked() {
        var t = ConfirmTracker<Int>()
        _ = t.register(1, returnKey: key("nobody"))
        _ = t.markReturned(code: 312, text: "NO_ROUTE", key: key("nobody"))
        #expect(t.nack(1, multiple: false).map(\.1) == [.nacked])
    }

    @Test func channelLossReturnsEveryWaiterAndRestartsNumbering() {
        var t = tracker(4)
        _ = t.ack(1, multiple: false)
        #expect(t.reset() == [2, 3, 4])
        #expect(t.isEmpty)
        #expect(t.register(99) == 1)
    }
}
