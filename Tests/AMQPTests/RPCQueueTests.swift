import Testing

@testable import AMQP

@Suite("Synchronous method queue of one channel")
struct RPCQueueTests {
    private typealias Queue = RPCQueue<String>

    private func entry(_ name: String, reply: UInt32 = 1, deadline: Int64 = 100) -> Queue.Entry {
        Queue.Entry(request: name, replies: [reply], deadline: deadline)
    }

    @Test func onlyOneMethodIsOnTheWireAtATime() {
        var queue = Queue()
        #expect(queue.enqueue(entry("declare"))?.request == "declare")
        #expect(queue.enqueue(entry("bind")) == nil)
        #expect(queue.count == 2)
        #expect(queue.inFlight?.request == "declare")
    }

    @Test func aReplyCompletesTheMethodOnTheWireAndTheNextIsSentAfter() {
        var queue = Queue()
        _ = queue.enqueue(entry("declare", reply: 11))
        _ = queue.enqueue(entry("bind", reply: 21))
        #expect(queue.reply(11)?.request == "declare")
        #expect(queue.inFlight == nil)
        #expect(queue.sendNextIfIdle()?.request == "bind")
        #expect(queue.reply(21)?.request == "bind")
        #expect(queue.isEmpty)
    }

    @Test func aReplyNobodyWaitsForIsIgnored() {
        var queue = Queue()
        #expect(queue.reply(11) == nil)
        _ = queue.enqueue(entry("declare", reply: 11))
        // A late close-ok after a reset, or a reply to another method: not this one's.
        #expect(queue.reply(41) == nil)
        #expect(queue.inFlight?.request == "declare")
    }

    @Test func prependedStepsGoBeforeWaitingMethods() {
        var queue = Queue()
        _ = queue.enqueue(entry("declare"))
        _ = queue.enqueue(entry("bind"))
        #expect(queue.abandonInFlight()?.request == "declare")
        #expect(queue.prepend([entry("open"), entry("select")])?.request == "open")
        #expect(queue.nextWaiting?.request == "select")
        _ = queue.reply(1)
        #expect(queue.sendNextIfIdle()?.request == "select")
        _ = queue.reply(1)
        #expect(queue.sendNextIfIdle()?.request == "bind")
    }

    @Test func prependWhileAMethodIsOnTheWireSendsNothing() {
        var queue = Queue()
        _ = queue.enqueue(entry("declare"))
        #expect(queue.prepend([entry("open")]) == nil)
        #expect(queue.inFlight?.request == "declare")
    }

    @Test func expiryTakesTheMethodOnTheWireAndWaitingOnesPastTheirDeadline() {
        var queue = Queue()
        _ = queue.enqueue(entry("stuck", deadline: 10))
        _ = queue.enqueue(entry("late", deadline: 20))
        _ = queue.enqueue(entry("patient", deadline: 50))
        #expect(queue.earliestDeadline == 10)
        let none = queue.expire(now: 9)
        #expect(none.inFlight == nil && none.waiting.isEmpty)
        let expiry = queue.expire(now: 20)
        #expect(expiry.inFlight?.request == "stuck")
        #expect(expiry.waiting.map(\.request) == ["late"])
        #expect(queue.count == 1)
        #expect(queue.sendNextIfIdle()?.request == "patient")
    }

    @Test func aRestartedDeadlineCountsFromTheSend() {
        var queue = Queue()
        _ = queue.enqueue(entry("consume", deadline: .max))
        queue.restartInFlightDeadline(30)
        #expect(queue.expire(now: 30).inFlight?.request == "consume")
    }

    @Test func removeAllReturnsTheMethodOnTheWireFirst() {
        var queue = Queue()
        _ = queue.enqueue(entry("a"))
        _ = queue.enqueue(entry("b"))
        _ = queue.enqueue(entry("c"))
        #expect(queue.removeAll().map(\.request) == ["a", "b", "c"])
        #expect(queue.isEmpty)
        #expect(queue.earliestDeadline == nil)
    }

    @Test func removeWaitingNeverTouchesTheMethodOnTheWire() {
        var queue = Queue()
        _ = queue.enqueue(entry("consume x"))
        _ = queue.enqueue(entry("consume y"))
        _ = queue.enqueue(entry("declare"))
        #expect(queue.removeWaiting { $0.hasPrefix("consume") }.map(\.request) == ["consume y"])
        #expect(queue.inFlight?.request == "consume x")
        #expect(queue.contains { $0 == "declare" })
        #expect(!queue.contains { $0 == "consume y" })
    }
}
