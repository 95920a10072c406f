public import Foundation

/// The result of a demo run: the settings, and one ``ModeReport`` per mode. Written as report.json and
/// report.html; printed as a table.
public struct DemoReport: Sendable, Codable {
    /// The settings that matter for reading the figures.
    public struct Settings: Sendable, Codable {
        public var rate: Double
        public var steadySeconds: Double
        public var crashSeconds: Double
        public var hangSeconds: Double
        public var recoverySeconds: Double
        public var sleepMilliseconds: Int
        public var concurrency: Int
        public var syncTimeout: Double
        public var queueType: String

        init(_ c: DemoConfiguration) {
            rate = c.rate
            steadySeconds = c.steadySeconds
            crashSeconds = c.crashSeconds
            hangSeconds = c.hangSeconds
            recoverySeconds = c.recoverySeconds
            sleepMilliseconds = c.sleepMilliseconds
            concurrency = c.concurrency
            syncTimeout = c.syncTimeout
            queueType = c.queueType
        }
    }

    /// The settings.
    public var configuration: Settings
    /// Per mode.
    public var modes: [ModeReport]

    /// Whether every check of every mode held.
    public var passed: Bool { modes.allSatisfy(\.passed) }

    /// Pretty JSON.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// The terminal table: one row per mode and phase, then the checks.
    public func table() -> String {
        var lines: [String] = []
        let header = [
            "mode", "phase", "sent", "ok", "failed", "avail", "p50 ms", "p99 ms", "max ms", "backlog", "drain s",
        ]
        let widths = [6, 7, 6, 6, 7, 9, 8, 8, 9, 8, 8]
        func row(_ cells: [String]) -> String {
            zip(cells, widths).map { cell, width in
                cell.count >= width ? cell : String(repeating: " ", count: width - cell.count) + cell
            }
            .joined(separator: " ")
        }
        lines.append(row(header))
        for mode in modes {
            for phase in mode.phases {
                lines.append(
                    row([
                        mode.mode, phase.phase.rawValue, "\(phase.sent)", "\(phase.succeeded)", "\(phase.failed)",
                        DemoVerdict.percent(phase.availability), format(phase.p50), format(phase.p99),
                        format(phase.max),
                        "\(phase.backlogPeak)", phase.drainSeconds.map { format($0) } ?? "-",
                    ]))
            }
            lines.append(
                "  \(mode.mode): lost \(mode.lost), duplicate effects \(mode.duplicateEffects), duplicates suppressed "
                    + "\(mode.duplicatesSuppressed), processed \(mode.processed)")
        }
        lines.append("")
        for mode in modes {
            for check in mode.checks {
                lines.append("  [\(check.passed ? "PASS" : "FAIL")] \(mode.mode): \(check.description)")
            }
        }
        return lines.joined(separator: "\n")
    }

    private func format(_ value: Double) -> String {
        value >= 100 ? String(Int(value.rounded())) : String(format: "%.1f", value)
    }
}
