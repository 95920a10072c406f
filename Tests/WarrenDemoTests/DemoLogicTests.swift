import Testing

@testable import WarrenDemo

/// The demo's arithmetic, no processes: phases, percentiles, drain time, and the verdict.
@Suite("demo logic")
struct DemoLogicTests {
    let configuration: DemoConfiguration = {
        var c = DemoConfiguration(binDirectory: "/bin", repositoryRoot: "/")
        c.steadySeconds = 10
        c.crashSeconds = 5
        c.hangSeconds = 5
        c.recoverySeconds = 5
        return c
    }()

    @Test("phase boundaries")
    func phases() {
        #expect(DemoPhase.at(0, configuration) == .before)
        #expect(DemoPhase.at(9.99, configuration) == .before)
        #expect(DemoPhase.at(10, configuration) == .crash)
        #expect(DemoPhase.at(19.9, configuration) == .crash)
        #expect(DemoPhase.at(20, configuration) == .hang)
        #expect(DemoPhase.at(30, configuration) == .after)
        #expect(configuration.loadSeconds == 40)
        #expect(configuration.validate().isEmpty)
        var bad = configuration
        bad.modes = ["later"]
        bad.rate = 0
        #expect(bad.validate().count == 2)
    }

    @Test("summary: availability, percentiles, backlog peak and drain time")
    func summary() {
        var records: [RequestRecord] = (0..<100).map {
            RequestRecord(
                t: 10 + Double($0) / 10, phase: .crash, status: 202, latency: Double($0 + 1) / 1000, id: "\($0)")
        }
        records[0].status = 0
        let samples = [
            DemoSample(t: 11, queueDepth: 40), DemoSample(t: 15, queueDepth: 90), DemoSample(t: 16, queueDepth: 30),
            DemoSample(t: 17.5, queueDepth: 3),
        ]
        let summary = PhaseSummary.make(
            .crash, records: records, samples: samples, window: 10...20, recoveredAt: 15, baseline: 5)
        #expect(summary.sent == 100)
        #expect(summary.failed == 1)
        #expect(summary.timedOut == 1)
        #expect(summary.availability == 0.99)
        #expect(summary.p50 == 51)
        #expect(summary.p99 == 100)
        #expect(summary.max == 100)
        #expect(summary.backlogPeak == 90)
        #expect(summary.drainSeconds == 2.5)
    }

    @Test("verdict: async needs availability, no loss, no duplicates; sync needs failures and timeouts")
    func verdict() {
        func phase(_ p: DemoPhase, sent: Int = 100, failed: Int = 0, timedOut: Int = 0, p99: Double = 10)
            -> PhaseSummary
        {
            PhaseSummary(
                phase: p, sent: sent, succeeded: sent - failed, failed: failed, timedOut: timedOut, p50: 5, p99: p99,
                max: p99, backlogPeak: 0, drainSeconds: nil)
        }
        let good = [phase(.before), phase(.crash, p99: 12), phase(.hang, p99: 14.9), phase(.after)]
        #expect(passes(DemoVerdict.checks(mode: "async", phases: good, lost: 0, duplicates: 0)))
        #expect(!passes(DemoVerdict.checks(mode: "async", phases: good, lost: 1, duplicates: 0)))
        #expect(!passes(DemoVerdict.checks(mode: "async", phases: good, lost: 0, duplicates: 1)))
        let slow = [phase(.before), phase(.crash, p99: 40), phase(.hang), phase(.after)]
        #expect(!passes(DemoVerdict.checks(mode: "async", phases: slow, lost: 0, duplicates: 0)))
        #expect(passes(DemoVerdict.checks(mode: "async", phases: slow, lost: 0, duplicates: 0, latency: false)))
        let down = [phase(.before), phase(.crash, failed: 1), phase(.hang), phase(.after)]
        #expect(!passes(DemoVerdict.checks(mode: "async", phases: down, lost: 0, duplicates: 0)))
        let syncGood = [
            phase(.before), phase(.crash, failed: 30), phase(.hang, failed: 20, timedOut: 20), phase(.after),
        ]
        #expect(passes(DemoVerdict.checks(mode: "sync", phases: syncGood, lost: 0, duplicates: 0)))
        #expect(!passes(DemoVerdict.checks(mode: "sync", phases: good, lost: 0, duplicates: 0)))
    }

    private func passes(_ checks: [ModeReport.Check]) -> Bool { checks.allSatisfy { $0.passed } }
}
