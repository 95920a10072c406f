import AMQP
import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import WarrenProcess

extension DemoRunner {
    /// Kills the consumer at the crash phase and starts it again after `crashSeconds`; stops it at the hang phase
    /// and resumes it after `hangSeconds`. Each moment is marked.
    func injectFaults(
        consumer: NIOLockedValueBox<ChildProcess>, restart: @Sendable () throws -> ChildProcess,
        markers: NIOLockedValueBox<[DemoMarker]>, start: ContinuousClock.Instant, mode: String
    ) async {
        let c = configuration
        func at(_ seconds: Double) async {
            try? await Task.sleep(until: start + .milliseconds(Int64(seconds * 1000)), clock: .continuous)
        }
        func mark(_ label: String) {
            let t = (ContinuousClock.now - start).seconds
            markers.withLockedValue { $0.append(DemoMarker(t: t, label: label)) }
            progress("demo[\(mode)]: t=\(String(format: "%.1f", t)) s  \(label)")
        }
        let crashAt = c.steadySeconds
        await at(crashAt)
        consumer.withLockedValue { $0.send(SIGKILL) }
        mark("kill -9")
        await at(crashAt + c.crashSeconds)
        do {
            let fresh = try restart()
            consumer.withLockedValue { $0 = fresh }
            mark("restart")
        } catch {
            progress("demo[\(mode)]: cannot restart the consumer: \(error)")
        }
        let hangAt = crashAt + c.crashSeconds + c.recoverySeconds
        await at(hangAt)
        consumer.withLockedValue { $0.send(SIGSTOP) }
        mark("SIGSTOP")
        await at(hangAt + c.hangSeconds)
        consumer.withLockedValue { $0.send(SIGCONT) }
        mark("SIGCONT")
    }

    /// Samples the queue depth every 500 ms until `until` seconds into the run or `stop`; prints progress every
    /// 5 s when a generator is given.
    func sample(
        channel: AMQP.Channel, queue: String, samples: NIOLockedValueBox<[DemoSample]>, generator: LoadGenerator?,
        start: ContinuousClock.Instant, mode: String, until: Double, stop: NIOLockedValueBox<Bool>
    ) async {
        var lastReport = -5.0
        while !Task.isCancelled, !stop.withLockedValue({ $0 }) {
            let t = (ContinuousClock.now - start).seconds
            if t > until { return }
            let depth =
                (try? await withTimeout(.seconds(1)) {
                    Int(try await channel.declareQueue(queue, passive: true).messageCount)
                }) ?? -1
            samples.withLockedValue { $0.append(DemoSample(t: t, queueDepth: depth)) }
            if let generator, t - lastReport >= 5 {
                lastReport = t
                let records = generator.records
                let recent = records.filter { $0.t >= t - 5 }
                let p99 = recent.map(\.latency).sorted().dropFirst(Int(Double(recent.count) * 0.99)).first ?? 0
                progress(
                    "demo[\(mode)]: t=\(Int(t)) s  \(DemoPhase.at(t, configuration).rawValue)  sent \(records.count)  "
                        + "ok \(records.filter(\.succeeded).count)  failed \(records.filter { !$0.succeeded }.count)  "
                        + "p99(5 s) \(Int(p99 * 1000)) ms  queue \(depth)")
            }
            try? await Task.sleep(for: .milliseconds(500))
        }
    }

    /// Polls the producer until every id has a final status (or `settleSeconds` pass); how many did not
    /// succeed.
    func settle(ids: [String], client: HTTPClient, base: String) async -> Int {
        var pending = Set(ids)
        var failed = 0
        let deadline = ContinuousClock.now + .seconds(Int64(configuration.settleSeconds))
        var lastReport = ContinuousClock.now
        while !pending.isEmpty, ContinuousClock.now < deadline {
            let batch = Array(pending)
            let results = await withTaskGroup(of: (String, String?).self) { group -> [(String, String?)] in
                var results: [(String, String?)] = []
                var iterator = batch.makeIterator()
                for _ in 0..<32 {
                    guard let id = iterator.next() else { break }
                    group.addTask { (id, await status(of: id, client: client, base: base)) }
                }
                while let result = await group.next() {
                    results.append(result)
                    if let id = iterator.next() {
                        group.addTask { (id, await status(of: id, client: client, base: base)) }
                    }
                }
                return results
            }
            for (id, status) in results {
                guard let status, ["succeeded", "failed", "dead-lettered"].contains(status) else { continue }
                pending.remove(id)
                if status != "succeeded" { failed += 1 }
            }
            if ContinuousClock.now - lastReport > .seconds(5) {
                lastReport = ContinuousClock.now
                progress("demo: \(ids.count - pending.count) of \(ids.count) accepted events final")
            }
            if !pending.isEmpty { try? await Task.sleep(for: .seconds(1)) }
        }
        progress("demo: \(ids.count - pending.count) of \(ids.count) accepted events final, \(failed) not succeeded")
        return failed + pending.count
    }

    private func status(of id: String, client: HTTPClient, base: String) async -> String? {
        guard
            let response = try? await client.execute(
                HTTPClientRequest(url: "\(base)/v1/events/\(id)"), timeout: .seconds(5)),
            let body = try? await response.body.collect(upTo: 1 << 20),
            let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
        else { return nil }
        return object["status"] as? String
    }

    /// The consumer's `/v1/stats` numbers (empty when it does not answer).
    func consumerStats(_ client: HTTPClient, base: String) async -> [String: Int] {
        guard
            let response = try? await client.execute(HTTPClientRequest(url: "\(base)/v1/stats"), timeout: .seconds(5)),
            let body = try? await response.body.collect(upTo: 1 << 20),
            let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
        else { return [:] }
        return object.compactMapValues { ($0 as? NSNumber)?.intValue }
    }

    /// Waits up to 60 s for `url` to answer 200; throws with the service's log otherwise.
    func waitReady(_ client: HTTPClient, _ url: String, what: String, log: String) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let response = try? await client.execute(HTTPClientRequest(url: url), timeout: .seconds(2)) {
                let body = try? await response.body.collect(upTo: 1 << 16)
                if response.status == .ok { return }
                _ = body
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        let tail = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").suffix(20)
        throw DemoError(
            message: "the \(what) did not become ready within 60 s; its log ends with:\n\(tail.joined(separator: "\n"))"
        )
    }

    /// Runs `scripts/broker ARGS…`, returning its last output line; throws with its output on failure.
    func brokerScript(_ arguments: [String], work: String) async throws -> String {
        let log = "\(work)/broker-script-\(UUID().uuidString.prefix(6)).log"
        let process = try ChildProcess(
            path: "/bin/bash", arguments: ["\(configuration.repositoryRoot)/scripts/broker"] + arguments, logPath: log)
        let code = await process.waitForExit(timeout: .seconds(180))
        let output = process.log
        guard code == 0 else {
            process.send(SIGKILL)
            throw DemoError(message: "scripts/broker \(arguments.first ?? "") failed:\n\(output)")
        }
        return output.split(separator: "\n").last.map(String.init) ?? ""
    }
}

/// Runs `operation` with a deadline; nil... throws `DemoError` when it passes.
func withTimeout<T: Sendable>(_ timeout: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws
    -> T
{
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: timeout)
            throw DemoError(message: "timed out")
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
func freeTCPPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw DemoError(message: "cannot create a socket") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    guard bound == 0 else { throw DemoError(message: "cannot bind a port") }
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// A demo run could not go on; `message` says why.
public struct DemoError: Error, CustomStringConvertible {
    /// What failed.
    public var message: String
    /// The message.
    public var description: String { message }
}
