public import Foundation
import NIOConcurrencyHelpers

/// Estimates how long the backlog takes to drain, for `Retry-After`: queue depth ÷ observed drain rate, bounded.
///
/// `Sendable`, lock-protected; the broker session reports the depth, the status listener reports every final
/// status it sees (the drain), and requests read ``retryAfterSeconds``.
public final class BacklogEstimator: Sendable {
    private struct State {
        var depth = 0
        var finals: [Int64: Int] = [:]  // second → final statuses seen in it
    }

    /// The smallest and largest answer.
    public let bounds: ClosedRange<Int>
    /// How far back the drain rate looks.
    public let window: Int64
    private let state = NIOLockedValueBox(State())

    /// An estimator answering within `bounds` seconds, measuring the drain over the last `window` seconds.
    public init(bounds: ClosedRange<Int> = 1...60, window: Int64 = 10) {
        self.bounds = bounds
        self.window = window
    }

    /// The events queue's latest message count.
    public func recordDepth(_ depth: Int) {
        state.withLockedValue { $0.depth = depth }
    }

    /// One event reached a final status at `now`.
    public func recordFinal(now: Date = Date()) {
        let second = Int64(now.timeIntervalSince1970)
        state.withLockedValue { state in
            state.finals[second, default: 0] += 1
            if state.finals.count > Int(window) * 2 {
                state.finals = state.finals.filter { $0.key > second - window }
            }
        }
    }

    /// The latest depth.
    public var depth: Int { state.withLockedValue { $0.depth } }

    /// Final statuses per second over the window.
    public func drainRate(now: Date = Date()) -> Double {
        let second = Int64(now.timeIntervalSince1970)
        let count = state.withLockedValue { state in
            state.finals.filter { $0.key > second - window && $0.key <= second }.values.reduce(0, +)
        }
        return Double(count) / Double(window)
    }

    /// Seconds a client should wait before asking again: depth ÷ drain rate, within ``bounds``; the upper bound
    /// when there is a backlog and nothing drains, the lower bound when there is no backlog.
    public func retryAfterSeconds(now: Date = Date()) -> Int {
        let depth = self.depth
        guard depth > 0 else { return bounds.lowerBound }
        let rate = drainRate(now: now)
        guard rate > 0 else { return bounds.upperBound }
        let seconds = (Double(depth) / rate).rounded(.up)
        return Int(min(max(seconds, Double(bounds.lowerBound)), Double(bounds.upperBound)))
    }
}
