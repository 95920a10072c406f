/// The project's central claim as checks on a ``ModeReport``.
///
/// Async mode: producer availability during the crash and hang phases ≥ 99.9 %, their p99 latency within 1.5× of
/// the "before" phase (with a 5 ms allowance: below that, one scheduler hiccup on a 2-core machine moves p99 by
/// more than 50 %), 0 events lost, 0 duplicate effects. Sync mode: the crash phase has failed requests and the
/// hang phase has requests blocked until the timeout: the contrast the demo exists to show.
enum DemoVerdict {
    static let latencyAllowanceMilliseconds = 5.0

    static func checks(
        mode: String, phases: [PhaseSummary], lost: Int, duplicates: Int, latency: Bool = true
    ) -> [ModeReport.Check] {
        func phase(_ p: DemoPhase) -> PhaseSummary? { phases.first { $0.phase == p } }
        guard let before = phase(.before), let crash = phase(.crash), let hang = phase(.hang) else { return [] }
        if mode == "async" {
            let limit = Swift.max(1.5 * before.p99, before.p99 + latencyAllowanceMilliseconds)
            var checks: [ModeReport.Check] = [
                .init(
                    description: "availability during crash \(percent(crash.availability)) ≥ 99.9 %",
                    passed: crash.availability >= 0.999),
                .init(
                    description: "availability during hang \(percent(hang.availability)) ≥ 99.9 %",
                    passed: hang.availability >= 0.999),
                .init(description: "events lost: \(lost) (expected 0)", passed: lost == 0),
                .init(description: "duplicate effects: \(duplicates) (expected 0)", passed: duplicates == 0),
            ]
            if latency {
                checks.append(
                    .init(
                        description:
                            "p99 during crash \(ms(crash.p99)) within 1.5× before \(ms(before.p99)) (limit \(ms(limit)))",
                        passed: crash.p99 <= limit))
                checks.append(
                    .init(
                        description:
                            "p99 during hang \(ms(hang.p99)) within 1.5× before \(ms(before.p99)) (limit \(ms(limit)))",
                        passed: hang.p99 <= limit))
            }
            return checks
        }
        return [
            .init(
                description: "sync crash phase shows failed requests: \(crash.failed) of \(crash.sent)",
                passed: crash.failed > 0),
            .init(
                description:
                    "sync hang phase shows requests blocked until the timeout: \(hang.timedOut) of \(hang.sent)",
                passed: hang.timedOut > 0),
        ]
    }

    static func percent(_ value: Double) -> String {
        let scaled = (value * 10000).rounded() / 100
        return "\(scaled) %"
    }

    static func ms(_ value: Double) -> String {
        "\((value * 10).rounded() / 10) ms"
    }
}
