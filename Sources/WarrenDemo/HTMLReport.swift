import Foundation

/// report.html: a self-contained page (inline SVG, no scripts, no network) with the table, the checks and, per
/// mode, a timeline of requests/s and errors/s, p99 latency and queue depth with the kill/stop moments marked.
enum HTMLReport {
    static func render(_ report: DemoReport) -> String {
        var html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Warren demo: async vs sync under consumer failure</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1100px}
            table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}
            th{background:#f4f4f4}td:nth-child(-n+2){text-align:left}.pass{color:#176917}.fail{color:#b00020;font-weight:bold}
            svg{background:#fff;border:1px solid #ddd;margin:4px 0}text{font-size:11px;fill:#444}
            </style></head><body>
            <h1>Warren demo: a consumer crash and hang, async vs sync</h1>
            <p>Open-loop load of \(Int(report.configuration.rate)) requests/s of <code>demo.work</code> events
            (sleep_ms \(report.configuration.sleepMilliseconds)); the consumer is killed with <code>kill -9</code> for
            \(Int(report.configuration.crashSeconds)) s, later frozen with <code>SIGSTOP</code> for
            \(Int(report.configuration.hangSeconds)) s. Queue type \(report.configuration.queueType); sync timeout
            \(report.configuration.syncTimeout) s.</p>
            <h2>Figures</h2>
            <table><tr><th>mode</th><th>phase</th><th>sent</th><th>ok</th><th>failed</th><th>availability</th>
            <th>p50 ms</th><th>p99 ms</th><th>max ms</th><th>backlog peak</th><th>drain s</th></tr>

            """
        for mode in report.modes {
            for phase in mode.phases {
                html += "<tr><td>\(mode.mode)</td><td>\(phase.phase.rawValue)</td><td>\(phase.sent)</td>"
                html +=
                    "<td>\(phase.succeeded)</td><td>\(phase.failed)</td><td>\(DemoVerdict.percent(phase.availability))</td>"
                html +=
                    "<td>\(f(phase.p50))</td><td>\(f(phase.p99))</td><td>\(f(phase.max))</td><td>\(phase.backlogPeak)</td>"
                html += "<td>\(phase.drainSeconds.map(f) ?? "–")</td></tr>\n"
            }
        }
        html += "</table>\n<h2>Checks</h2><ul>\n"
        for mode in report.modes {
            html += "<li>\(mode.mode): lost \(mode.lost), duplicate effects \(mode.duplicateEffects), "
            html += "duplicates suppressed \(mode.duplicatesSuppressed), processed \(mode.processed)</li>\n"
            for check in mode.checks {
                html += "<li class=\"\(check.passed ? "pass" : "fail")\">\(check.passed ? "PASS" : "FAIL") "
                html += "\(mode.mode): \(escape(check.description))</li>\n"
            }
        }
        html += "</ul>\n"
        for mode in report.modes {
            html += "<h2>Timeline: \(mode.mode) mode</h2>\n"
            let points = mode.timeline
            html += chart(
                "requests/s (blue) and failed/s (red)", points: points,
                series: [
                    (points.map { Double($0.requests) }, "#1f5fbf"), (points.map { Double($0.errors) }, "#b00020"),
                ],
                markers: mode.markers)
            html += chart(
                "p99 latency (ms)", points: points, series: [(points.map(\.p99), "#7a3db8")], markers: mode.markers)
            html += chart(
                "queue depth (messages)", points: points,
                series: [(points.map { Double(max($0.queueDepth, 0)) }, "#c46a00")],
                markers: mode.markers)
        }
        html += "</body></html>\n"
        return html
    }

    private static func chart(
        _ title: String, points: [TimelinePoint], series: [([Double], String)], markers: [DemoMarker]
    ) -> String {
        let width = 1000.0
        let height = 160.0
        let left = 50.0
        let bottom = 20.0
        let top = 18.0
        let seconds = Double(max(points.count - 1, 1))
        let peak = max(series.flatMap(\.0).max() ?? 1, 1)
        func x(_ t: Double) -> Double { left + (width - left - 10) * t / seconds }
        func y(_ v: Double) -> Double { top + (height - top - bottom) * (1 - v / peak) }
        var svg = "<svg width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\">"
        svg += "<text x=\"\(left)\" y=\"12\">\(escape(title)) — max \(f(peak))</text>"
        svg +=
            "<line x1=\"\(left)\" y1=\"\(height - bottom)\" x2=\"\(width - 10)\" y2=\"\(height - bottom)\" stroke=\"#999\"/>"
        for tick in stride(from: 0, through: Int(seconds), by: 10) {
            svg += "<text x=\"\(x(Double(tick)) - 6)\" y=\"\(height - 5)\">\(tick)s</text>"
        }
        for marker in markers {
            svg += "<line x1=\"\(x(marker.t))\" y1=\"\(top)\" x2=\"\(x(marker.t))\" y2=\"\(height - bottom)\" "
            svg +=
                "stroke=\"#555\" stroke-dasharray=\"4,3\"/><text x=\"\(x(marker.t) + 3)\" y=\"\(top + 10)\">\(escape(marker.label))</text>"
        }
        for (values, color) in series {
            let path = values.enumerated().map { "\(f2(x(Double($0.offset)))),\(f2(y($0.element)))" }.joined(
                separator: " ")
            svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\" points=\"\(path)\"/>"
        }
        return svg + "</svg>\n"
    }

    private static func f(_ value: Double) -> String {
        value >= 100 ? String(Int(value.rounded())) : String(format: "%.1f", value)
    }

    private static func f2(_ value: Double) -> String { String(format: "%.1f", value) }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}

extension DemoReport {
    /// The self-contained HTML report.
    public func html() -> String { HTMLReport.render(self) }
}
