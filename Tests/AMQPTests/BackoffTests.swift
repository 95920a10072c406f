import Testing

@testable import AMQP

/// A deterministic generator for jitter tests.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Reconnect backoff")
struct BackoffTests {
    let backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(5))

    @Test func ceilingGrowsExponentiallyAndIsCapped() {
        #expect(backoff.ceiling(attempt: 0) == .milliseconds(100))
        #expect(backoff.ceiling(attempt: 1) == .milliseconds(200))
        #expect(backoff.ceiling(attempt: 3) == .milliseconds(800))
        #expect(backoff.ceiling(attempt: 6) == .seconds(5))
        #expect(backoff.ceiling(attempt: 1000) == .seconds(5))
    }

    @Test func jitterStaysWithinHalfToFullCeiling() {
        var rng = SplitMix(state: 42)
        var seen = Set<Duration>()
        for attempt in 0..<20 {
            let ceiling = backoff.ceiling(attempt: attempt)
            for _ in 0..<50 {
                let d = backoff.delay(attempt: attempt, using: &rng)
                #expect(d >= ceiling / 2 && d <= ceiling)
                seen.insert(d)
            }
        }
        #expect(seen.count > 100, "jitter should spread delays")
    }

    @Test func aConnectionLostSoonAfterItWasMadeKeepsBackingOff() {
        // Up 1 s with a 5 s maximum: the broker accepted, then dropped it; the next attempt waits longer.
        #expect(IOLoop.attemptAfterLoss(previous: 3, uptimeNanoseconds: 1_000_000_000, backoffMaximum: backoff) == 4)
        // Up long enough: the next loss starts over.
        #expect(IOLoop.attemptAfterLoss(previous: 3, uptimeNanoseconds: 5_000_000_000, backoffMaximum: backoff) == 0)
        let long = Backoff(initial: .milliseconds(100), maximum: .seconds(30))
        #expect(IOLoop.attemptAfterLoss(previous: 0, uptimeNanoseconds: 10_000_000_000, backoffMaximum: long) == 1)
    }
}
