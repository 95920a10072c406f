public import Foundation

/// A unix datagram socket standing in for systemd's notify socket: give ``path`` to a service as
/// `$NOTIFY_SOCKET` and read what it announces (`READY=1`, `STATUS=…`, `STOPPING=1`, `WATCHDOG=1`).
///
/// A dedicated thread drains the socket continuously, as systemd does (a unix datagram queue holds only 10
/// messages by default). `@unchecked Sendable`: `received` and `stopped` are guarded by `lock`.
public final class NotifySocket: @unchecked Sendable {
    /// The socket's path.
    public let path: String
    private let fd: Int32
    private let lock = NSLock()
    private var received: [(at: Date, text: String)] = []
    private var stopped = false

    /// Binds a fresh socket in the temporary directory; with `draining` false nobody reads it (a supervisor that
    /// stopped reading: its queue fills after 10 messages).
    public init(draining: Bool = true) throws {
        path =
            FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString.prefix(8))").path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard rc == 0 else { throw BrokerScriptError(message: "cannot bind \(path)") }
        let (socketFD, socketPath) = (fd, path)
        guard draining else { return }
        let reader = Thread { [weak self] in
            while let self, !self.lock.withLock({ self.stopped }) {
                var descriptor = pollfd(fd: socketFD, events: Int16(POLLIN), revents: 0)
                _ = poll(&descriptor, 1, 50)
                self.drain()
            }
            Glibc.close(socketFD)
            unlink(socketPath)
        }
        reader.start()
    }

    deinit {
        lock.withLock { stopped = true }
    }

    /// Every datagram received so far, oldest first.
    public var messages: [String] {
        lock.withLock { received.map(\.text) }
    }

    /// Every datagram received so far with the time it was read, oldest first.
    public var timedMessages: [(at: Date, text: String)] {
        lock.withLock { received }
    }

    /// Waits until some message contains `text`; false after `timeout`.
    public func waitFor(_ text: String, timeout: Duration = .seconds(30)) async -> Bool {
        await eventually(timeout: timeout) { messages.contains { $0.contains(text) } }
    }

    private func drain() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            guard count > 0 else { return }
            let text = String(decoding: buffer[0..<count], as: UTF8.self)
            lock.withLock { received.append((Date(), text)) }
        }
    }
}
