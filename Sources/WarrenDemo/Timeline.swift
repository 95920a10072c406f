/// One-second buckets of requests, errors, p99 latency and queue depth, for the report's chart.
enum Timeline {
    static func points(records: [RequestRecord], samples: [DemoSample]) -> [TimelinePoint] {
        let lastSecond = Int((records.map(\.t).max() ?? 0).rounded(.down))
        let lastSample = Int((samples.map(\.t).max() ?? 0).rounded(.down))
        let end = max(lastSecond, lastSample)
        guard end >= 0 else { return [] }
        var buckets = [[RequestRecord]](repeating: [], count: end + 1)
        for record in records { buckets[min(max(Int(record.t), 0), end)].append(record) }
        var depth = [Int](repeating: -1, count: end + 1)
        for sample in samples {
            let index = min(max(Int(sample.t), 0), end)
            depth[index] = max(depth[index], sample.queueDepth)
        }
        return (0...end).map { second in
            let bucket = buckets[second]
            let latencies = bucket.map { $0.latency * 1000 }.sorted()
            let p99 = latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * 0.99))]
            return TimelinePoint(
                t: second, requests: bucket.count, errors: bucket.filter { !$0.succeeded }.count, p99: p99,
                queueDepth: depth[second])
        }
    }
}
