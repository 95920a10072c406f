/// Capped exponential backoff with jitter: attempt *n* (from 0) waits a random time in
/// `[d/2, d]` where `d = min(maximum, initial × multiplier^n)` ("equal jitter": never zero, never above the cap).
///
/// Pure value type, no clock: callers pass a random number generator so tests are deterministic.
public struct Backoff: Sendable, Hashable {
    /// The delay before jitter for the first retry.
    public var initial: Duration
    /// The largest delay ever returned.
    public var maximum: Duration
    /// Growth factor per attempt (default 2).
    public var multiplier: Double

    /// Creates a policy. `initial` must be positive and not above `maximum`.
    public init(initial: Duration, maximum: Duration, multiplier: Double = 2) {
        precondition(initial > .zero && initial <= maximum && multiplier >= 1, "invalid backoff")
        self.initial = initial
        self.maximum = maximum
        self.multiplier = multiplier
    }

    /// The delay before jitter for `attempt` (0-based): `min(maximum, initial × multiplier^attempt)`.
    public func ceiling(attempt: Int) -> Duration {
        let initialSeconds = Self.seconds(initial)
        let maxSeconds = Self.seconds(maximum)
        let exponent = Double(max(0, min(attempt, 64)))
        let grown = initialSeconds * _pow(multiplier, exponent)
        return .nanoseconds(Int64(min(maxSeconds, grown) * 1e9))
    }

    /// The jittered delay for `attempt` (0-based), in `[ceiling/2, ceiling]`.
    public func delay(attempt: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let ceiling = Self.seconds(ceiling(attempt: attempt))
        let value = Double.random(in: (ceiling / 2)...ceiling, using: &generator)
        return .nanoseconds(Int64(value * 1e9))
    }

    /// The jittered delay for `attempt` using the system generator.
    public func delay(attempt: Int) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return delay(attempt: attempt, using: &generator)
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    private func _pow(_ base: Double, _ exponent: Double) -> Double {
        var result = 1.0
        var remaining = Int(exponent)
        while remaining > 0 {
            result *= base
            remaining -= 1
            if result > 1e12 { break }
        }
        return result
    }
}
