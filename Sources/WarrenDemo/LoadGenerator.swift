import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// An open-loop load generator: request *k* is sent at `start + k / rate` whether or not earlier ones were
/// answered, so a stalled server shows up as latency and errors, never as a quiet generator. Latency counts from
/// the scheduled time (no coordinated omission).
///
/// `Sendable`; ``run(for:)`` is called once; records are read after it returns (or live, for progress).
final class LoadGenerator: Sendable {
    private let client: HTTPClient
    private let url: String
    private let rate: Double
    private let timeout: Duration
    private let body: [UInt8]
    private let configuration: DemoConfiguration
    private let recorded = NIOLockedValueBox<[RequestRecord]>([])

    init(client: HTTPClient, url: String, configuration: DemoConfiguration, timeout: Duration) {
        self.client = client
        self.url = url
        self.rate = configuration.rate
        self.timeout = timeout
        self.configuration = configuration
        body = Array(#"{"type":"demo.work","data":{"sleep_ms":\#(configuration.sleepMilliseconds)}}"#.utf8)
    }

    /// Everything recorded so far.
    var records: [RequestRecord] { recorded.withLockedValue { $0 } }

    /// Sends requests on schedule for `seconds`, then waits for the last replies (each bounded by the timeout).
    func run(for seconds: Double, start: ContinuousClock.Instant) async {
        let total = Int(seconds * rate)
        await withDiscardingTaskGroup { group in
            for k in 0..<total {
                let due = start + .milliseconds(Int64(Double(k) / rate * 1000))
                try? await Task.sleep(until: due, clock: .continuous)
                if Task.isCancelled { break }
                group.addTask { await self.send(due: due, start: start) }
            }
        }
    }

    private func send(due: ContinuousClock.Instant, start: ContinuousClock.Instant) async {
        let t = (due - start).seconds
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(body)
        var status = 0
        var id: String?
        do {
            let response = try await client.execute(request, timeout: .milliseconds(timeout.milliseconds))
            let bytes = try await response.body.collect(upTo: 1 << 20)
            status = Int(response.status.code)
            if status == 202 || status == 200,
                let object = try? JSONSerialization.jsonObject(with: Data(bytes.readableBytesView)) as? [String: Any]
            {
                id = object["id"] as? String
            }
        } catch {
            status = 0
        }
        let latency = (ContinuousClock.now - due).seconds
        let record = RequestRecord(
            t: t, phase: DemoPhase.at(t, configuration), status: status, latency: latency, id: id)
        recorded.withLockedValue { $0.append(record) }
    }
}

extension Duration {
    /// In seconds, as a Double.
    var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) / 1e18
    }

    /// In whole milliseconds.
    var milliseconds: Int64 {
        let (whole, attoseconds) = components
        return whole * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
