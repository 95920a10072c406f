import Foundation

extension LibraryBenchmark {
    /// One client's run of one scenario.
    struct Sample: Sendable {
        var messagesPerSecond: Double
        var cpuMicrosPerMessage: Double
        var brokerCores: Double?
    }

    /// One scenario's runs, per client and round, with medians and Warren's ratios to each peer.
    ///
    /// A ratio is taken per round, between the two runs of that round (they ran back to back against the same
    /// node), and the median of those is reported with their range: pairing by round cancels most of the
    /// broker's drift between rounds, and the range shows how far one round can be from another.
    struct Result: Sendable {
        var scenario: String
        /// Every round's sample, in round order, per client.
        var rounds: [BenchClient: [Sample]]

        /// The median sample per client.
        var samples: [BenchClient: Sample] { rounds.mapValues(Self.median) }

        /// `numerator`'s throughput over `denominator`'s, per round.
        func throughputRatios(_ numerator: BenchClient, _ denominator: BenchClient) -> [Double] {
            paired(numerator, denominator) { $0.messagesPerSecond / $1.messagesPerSecond }
        }

        /// `numerator`'s client CPU per message over `denominator`'s, per round.
        func cpuRatios(_ numerator: BenchClient, _ denominator: BenchClient) -> [Double] {
            paired(numerator, denominator) { $0.cpuMicrosPerMessage / $1.cpuMicrosPerMessage }
        }

        var json: [String: Any] {
            var object: [String: Any] = ["scenario": scenario]
            for (client, sample) in samples {
                object[client.rawValue] = [
                    "msgsPerSec": sample.messagesPerSecond, "cpuMicrosPerMsg": sample.cpuMicrosPerMessage,
                    "brokerCores": sample.brokerCores ?? -1,
                    "rounds": (rounds[client] ?? []).map {
                        ["msgsPerSec": $0.messagesPerSecond, "cpuMicrosPerMsg": $0.cpuMicrosPerMessage]
                    },
                ]
            }
            var ratios: [String: Double] = [:]
            var ranges: [String: [Double]] = [:]
            for peer in BenchClient.allCases where peer != .warren {
                for (name, values) in [
                    ("throughput", throughputRatios(.warren, peer)), ("cpu", cpuRatios(.warren, peer)),
                ] {
                    guard let spread = Spread(values) else { continue }
                    ratios["\(name) warren/\(peer.rawValue)"] = spread.median
                    ranges["\(name) warren/\(peer.rawValue)"] = [spread.min, spread.max]
                }
            }
            object["ratios"] = ratios
            object["ratioRanges"] = ranges
            return object
        }

        private func paired(
            _ numerator: BenchClient, _ denominator: BenchClient, _ ratio: (Sample, Sample) -> Double
        ) -> [Double] {
            guard let a = rounds[numerator], let b = rounds[denominator] else { return [] }
            return zip(a, b).map(ratio)
        }

        static func mid(_ values: [Double]) -> Double? {
            let sorted = values.sorted()
            guard !sorted.isEmpty else { return nil }
            return sorted.count % 2 == 1
                ? sorted[sorted.count / 2]
                : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        }

        static func median(_ samples: [Sample]) -> Sample {
            let broker = samples.compactMap(\.brokerCores)
            return Sample(
                messagesPerSecond: mid(samples.map(\.messagesPerSecond)) ?? .nan,
                cpuMicrosPerMessage: mid(samples.map(\.cpuMicrosPerMessage)) ?? .nan,
                brokerCores: mid(broker))
        }
    }

    /// The results as a text table: median rate and CPU per client, then Warren's ratios against each peer (the
    /// median of the per-round ratios, with their range when there was more than one round).
    static func table(_ results: [Result], clients: [BenchClient]) -> String {
        let peers = clients.filter { $0 != .warren }
        let ranged = results.contains { ($0.rounds[.warren]?.count ?? 0) > 1 }
        let ratioWidth = ranged ? 34 : 20
        var header = "scenario".padding(toLength: 42, withPad: " ", startingAt: 0)
        for client in clients { header += " | " + "\(client.rawValue) msg/s, µs/msg".leftPadded(to: 24) }
        for peer in peers {
            header += " | " + "W/\(peer.rawValue) thr, cpu\(ranged ? " (range)" : "")".leftPadded(to: ratioWidth)
        }
        header += " | broker cores (W)"
        var lines = [header, String(repeating: "-", count: header.count)]
        for r in results {
            var line = r.scenario.padding(toLength: 42, withPad: " ", startingAt: 0)
            for client in clients {
                let cell = r.samples[client].map {
                    String(format: "%.0f, %.2f", $0.messagesPerSecond, $0.cpuMicrosPerMessage)
                }
                line += " | " + (cell ?? "-").leftPadded(to: 24)
            }
            for peer in peers {
                line += " | " + ratioCell(r, peer, ranged: ranged).leftPadded(to: ratioWidth)
            }
            line += " | " + (r.samples[.warren]?.brokerCores.map { String(format: "%.2f", $0) } ?? "-")
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    private static func ratioCell(_ r: Result, _ peer: BenchClient, ranged: Bool) -> String {
        guard let thr = Spread(r.throughputRatios(.warren, peer)), let cpu = Spread(r.cpuRatios(.warren, peer)) else {
            return "-"
        }
        guard ranged else { return String(format: "%.2f, %.2f", thr.median, cpu.median) }
        return String(
            format: "%.2f (%.2f–%.2f), %.2f (%.2f–%.2f)", thr.median, thr.min, thr.max, cpu.median, cpu.min, cpu.max)
    }

    /// The median and range of some per-round values; `nil` when there are none.
    struct Spread {
        var median: Double
        var min: Double
        var max: Double

        init?(_ values: [Double]) {
            guard let median = Result.mid(values), let min = values.min(), let max = values.max() else { return nil }
            (self.median, self.min, self.max) = (median, min, max)
        }
    }
}

extension String {
    /// Right-aligned in `width` columns.
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
