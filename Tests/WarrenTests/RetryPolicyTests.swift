import Testing

@testable import Warren

@Suite struct RetryPolicyTests {
    let transient = HandlerFailure.retryable(reason: "timeout")

    @Test func defaults() {
        let policy = RetryPolicy()
        #expect(policy.delays == [.seconds(1), .seconds(5), .seconds(30)])
        #expect(policy.maxAttempts == 4)
        #expect(policy.prefix == "warren")
    }

    @Test func retriesAcrossAttemptsThenDeadLetters() {
        let policy = RetryPolicy()
        #expect(policy.decide(attempt: 1, failure: transient) == .retry(delay: .seconds(1), queue: "warren.retry.1s"))
        #expect(policy.decide(attempt: 2, failure: transient) == .retry(delay: .seconds(5), queue: "warren.retry.5s"))
        #expect(policy.decide(attempt: 3, failure: transient) == .retry(delay: .seconds(30), queue: "warren.retry.30s"))
        #expect(
            policy.decide(attempt: 4, failure: transient) == .deadLetter(reason: "gave up after 4 attempts: timeout"))
        #expect(
            policy.decide(attempt: 9, failure: transient) == .deadLetter(reason: "gave up after 9 attempts: timeout"))
    }

    @Test func permanentFailuresDeadLetterAtOnce() {
        let decision = RetryPolicy().decide(attempt: 1, failure: .permanent(reason: "bad order"))
        #expect(decision == .deadLetter(reason: "permanent failure on attempt 1: bad order"))
    }

    @Test func attemptsBelowOneCountAsOne() {
        #expect(
            RetryPolicy().decide(attempt: 0, failure: transient) == RetryPolicy().decide(attempt: 1, failure: transient)
        )
    }

    @Test func lastDelayRepeatsWhenMoreAttemptsThanDelays() throws {
        let policy = try RetryPolicy(delays: [.seconds(2)], maxAttempts: 4)
        #expect(policy.decide(attempt: 3, failure: transient) == .retry(delay: .seconds(2), queue: "warren.retry.2s"))
        #expect(
            policy.decide(attempt: 4, failure: transient) == .deadLetter(reason: "gave up after 4 attempts: timeout"))
        #expect(policy.retryDelays == [.seconds(2)])
    }

    @Test func singleAttemptNeverRetries() throws {
        let policy = try RetryPolicy(delays: [.seconds(1)], maxAttempts: 1)
        #expect(
            policy.decide(attempt: 1, failure: transient) == .deadLetter(reason: "gave up after 1 attempt: timeout"))
    }

    @Test func longReasonsAreCut() {
        guard
            case .deadLetter(let reason) = RetryPolicy().decide(
                attempt: 1, failure: .permanent(reason: String(repeating: "x", count: 10_000)))
        else { return #expect(Bool(false)) }
        #expect(reason.count < 600)
    }

    @Test func invalidConfiguration() {
        #expect(
            throws: WarrenError.invalidConfiguration(
                reason: "retry delays are empty; expected at least one positive delay")
        ) {
            try RetryPolicy(delays: [])
        }
        #expect(throws: WarrenError.self) { try RetryPolicy(delays: [.seconds(-1)]) }
        #expect(throws: WarrenError.self) { try RetryPolicy(delays: [.zero]) }
        #expect(throws: WarrenError.self) { try RetryPolicy(delays: [.seconds(100_000)]) }
        #expect(throws: WarrenError.self) { try RetryPolicy(delays: [.seconds(1)], maxAttempts: 0) }
        #expect(throws: WarrenError.self) { try RetryPolicy(delays: [.seconds(1)], prefix: "") }
    }
}
