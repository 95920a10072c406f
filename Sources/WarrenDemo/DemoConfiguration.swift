/// The settings of one `warren demo` run: load, phase lengths, what to start and where to write.
///
/// A value type; `Sendable`; filled from the command line and validated by ``validate()``.
public struct DemoConfiguration: Sendable {
    /// Requests per second, sent on schedule whatever the replies do (open loop).
    public var rate: Double = 40
    /// Seconds of the "before" and "after" phases.
    public var steadySeconds: Double = 15
    /// Seconds the consumer stays dead (`kill -9`) in the crash phase.
    public var crashSeconds: Double = 6
    /// Seconds the consumer stays frozen (`SIGSTOP`) in the hang phase.
    public var hangSeconds: Double = 6
    /// Seconds of load after the consumer is back, before the next phase starts.
    public var recoverySeconds: Double = 6
    /// The `sleep_ms` of every `demo.work` event: the consumer's simulated third-party call.
    public var sleepMilliseconds: Int = 50
    /// The consumer's `--concurrency`.
    public var concurrency: Int = 16
    /// Sync mode: the producer's `--sync-timeout` in seconds.
    public var syncTimeout: Double = 3
    /// Which modes run, in order.
    public var modes: [String] = ["async", "sync"]
    /// The queue type of the run.
    public var queueType: String = "quorum"
    /// Where report.json and report.html go.
    public var outputDirectory: String = "demo-report"
    /// Where `producer` and `consumer` are (default: next to `warren`).
    public var binDirectory: String
    /// The repository root (for scripts/broker).
    public var repositoryRoot: String
    /// The private broker's AMQP port.
    public var brokerPort: Int = 5702
    /// Whether the async p99 latency during the faults is checked against the baseline (a timing check: off for
    /// runs on a machine busy with other work, such as the test suite).
    public var latencyChecks = true
    /// How long to wait for every accepted event to reach a final status.
    public var settleSeconds: Double = 180

    /// A configuration with the defaults above.
    public init(binDirectory: String, repositoryRoot: String) {
        self.binDirectory = binDirectory
        self.repositoryRoot = repositoryRoot
    }

    /// The whole load, in seconds: before, crash + recovery, hang + recovery, after.
    public var loadSeconds: Double {
        2 * steadySeconds + crashSeconds + hangSeconds + 2 * recoverySeconds
    }

    /// One line per problem; empty when the configuration can run.
    public func validate() -> [String] {
        var problems: [String] = []
        if !(1...2000).contains(rate) { problems.append("--rate must be 1...2000 requests/s") }
        if steadySeconds < 2 || crashSeconds < 1 || hangSeconds < 1 || recoverySeconds < 1 {
            problems.append("phases must last at least 2 s (steady) and 1 s (crash, hang, recovery)")
        }
        if !(0...60_000).contains(sleepMilliseconds) { problems.append("--sleep-ms must be 0...60000") }
        if !(1...1024).contains(concurrency) { problems.append("--concurrency must be 1...1024") }
        if !(0.1...60).contains(syncTimeout) { problems.append("--sync-timeout must be 0.1...60 s") }
        for mode in modes where mode != "async" && mode != "sync" {
            problems.append("mode \"\(mode)\" is not async or sync")
        }
        if modes.isEmpty { problems.append("no mode to run") }
        if queueType != "quorum" && queueType != "classic" { problems.append("--queue-type must be quorum or classic") }
        return problems
    }
}
