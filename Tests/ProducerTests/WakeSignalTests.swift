import Testing

@testable import Producer

/// The wake-up of the outbox and webhook loops: woken at once, not by polling, and never lost.
@Suite("wake signal", .timeLimit(.minutes(1)))
struct WakeSignalTests {
    @Test("a wake before the wait is kept; many wakes collapse into one")
    func pendingWake() async {
        let signal = WakeSignal()
        signal.wake()
        signal.wake()
        await signal.wait(timeout: .seconds(3600))
        let clock = ContinuousClock()
        let elapsed = await clock.measure { await signal.wait(timeout: .milliseconds(50)) }
        #expect(elapsed >= .milliseconds(50), "the second wait returned without a wake")
    }

    @Test("a wake during the wait resumes it (the wait would otherwise outlast the time limit)")
    func wakeDuringWait() async {
        let signal = WakeSignal()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await signal.wait(timeout: .seconds(3600)) }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(100))
                signal.wake()
            }
            await group.waitForAll()
        }
    }

    @Test("cancelling the waiting task ends the wait")
    func cancellation() async {
        let signal = WakeSignal()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await signal.wait(timeout: .seconds(3600)) }
            try? await Task.sleep(for: .milliseconds(50))
            group.cancelAll()
        }
    }
}
