import Foundation
import Testing
import Warren
import WarrenProcess
import WarrenTestSupport

/// The consumer speaks systemd's notify protocol itself: READY=1 once serving (the broker's state in STATUS=),
/// WATCHDOG=1 while its loops turn, STOPPING=1 on SIGTERM.
@Suite(.reapsConsumers) struct SystemdNotifyTests {
    /// A unix datagram socket standing in for systemd's `$NOTIFY_SOCKET` (non-blocking reads).
    final class NotifySocket: Sendable {
        let path: String
        let fd: Int32

        init() throws {
            path =
                FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString.prefix(8))")
                .path
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            try #require(bound == 0)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }

        /// Every datagram waiting, as text.
        func drain() -> [String] {
            var messages: [String] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                guard count > 0 else { return messages }
                messages.append(String(decoding: buffer[..<count], as: UTF8.self))
            }
        }

        deinit {
            close(fd)
            unlink(path)
        }
    }

    @Test("broker unreachable: READY=1 and WATCHDOG=1 all the same (an outage must not get it killed), 503 /readyz")
    func aliveWithoutTheBroker() async throws {
        let notify = try NotifySocket()
        let consumer = try await TestConsumer.start(
            prefix: TestBroker.uniquePrefix("notify-down"),
            environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "1000000", "WATCHDOG_PID": nil],
            url: "amqp://guest:guest@127.0.0.1:\(freePort())/%2F")
        var messages: [String] = []
        _ = await eventually(timeout: .seconds(6)) {
            messages += notify.drain()
            return messages.filter { $0.contains("WATCHDOG=1") }.count >= 6
        }
        let ready = try await TestHTTP.get("\(consumer.baseURL)/readyz")
        #expect(ready.status == 503, "\(ready.text)")
        // Before: neither READY=1 nor WATCHDOG=1 until the broker came, so systemd failed the start or killed it.
        #expect(messages.contains { $0.hasPrefix("READY=1\nSTATUS=serving") }, "\(messages)")
        #expect(messages.filter { $0.contains("WATCHDOG=1") }.count >= 6, "\(messages)")
        #expect(await consumer.process.stop() == 0)
    }

    @Test func readyWhenServingThenConsumingAndStoppingOnSigterm() async throws {
        let notify = try NotifySocket()
        let consumer = try await TestConsumer.start(
            prefix: TestBroker.uniquePrefix("notify"), environment: ["NOTIFY_SOCKET": notify.path])
        try await consumer.waitUntilReady()
        var messages: [String] = []
        let ready = await eventually {
            messages += notify.drain()
            return messages.contains { $0.hasPrefix("READY=1\nSTATUS=serving") }
                && messages.contains { $0.hasPrefix("STATUS=consuming ") }
        }
        #expect(ready, "\(messages)")
        #expect(await consumer.process.stop() == 0)
        messages += notify.drain()
        #expect(messages.contains { $0.hasPrefix("STOPPING=1\nSTATUS=") }, "\(messages)")
    }
}
