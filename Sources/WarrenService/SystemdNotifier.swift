#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Speaks systemd's notify protocol (`sd_notify(3)`) itself: one datagram per message to `$NOTIFY_SOCKET`.
///
/// A value type; `Sendable`; each ``send(_:)`` opens, uses and closes its own socket, so any thread or task may
/// call it at any time. When `$NOTIFY_SOCKET` is unset (not started by systemd with `Type=notify`) every call does
/// nothing. Abstract socket names (`@…`) are supported. Failures are ignored, as sd_notify does: the protocol is
/// advisory and the service must not stop because its supervisor went away. Sends never block (`MSG_DONTWAIT`):
/// callers run on Swift's cooperative pool, and a supervisor that stopped reading would otherwise freeze the
/// service once its queue (`net.unix.max_dgram_qlen`, 10 by default) is full; such a message is dropped.
public struct SystemdNotifier: Sendable {
    /// The socket path from the environment, or nil.
    public let socketPath: String?
    /// The watchdog interval systemd asked for (`$WATCHDOG_USEC`, honoured only when `$WATCHDOG_PID` is unset or
    /// names this process), or nil.
    public let watchdogInterval: Duration?

    /// Reads `$NOTIFY_SOCKET`, `$WATCHDOG_USEC` and `$WATCHDOG_PID` from `environment`.
    public init(environment: [String: String]) {
        let path = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        socketPath = path
        if let text = environment["WATCHDOG_USEC"], let usec = Int64(text), usec > 0,
            environment["WATCHDOG_PID"].map({ Int32($0) == getpid() }) ?? true
        {
            watchdogInterval = .microseconds(usec)
        } else {
            watchdogInterval = nil
        }
    }

    /// Whether a supervisor listens.
    public var isEnabled: Bool { socketPath != nil }

    /// `READY=1` plus a status line.
    public func ready(status: String) { send("READY=1\nSTATUS=\(status)") }
    /// `STATUS=…`: the one-line state `systemctl status` shows.
    public func status(_ text: String) { send("STATUS=\(text)") }
    /// `STOPPING=1` plus a status line.
    public func stopping(status: String) { send("STOPPING=1\nSTATUS=\(status)") }
    /// `WATCHDOG=1`: proof of life.
    public func watchdog() { send("WATCHDOG=1") }

    /// Sends `message` (newline-separated `KEY=value` assignments) as one datagram.
    public func send(_ message: String) {
        guard let socketPath else { return }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(socketPath.utf8)
        if pathBytes.first == UInt8(ascii: "@") { pathBytes[0] = 0 }  // abstract namespace
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else { return }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + pathBytes.count + (pathBytes.first == 0 ? 0 : 1))
        #if canImport(Glibc)
            let fd = socket(
                AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        #else
            let fd = socket(AF_UNIX, SOCK_DGRAM, 0)
        #endif
        guard fd >= 0 else { return }
        defer { close(fd) }
        let bytes = Array(message.utf8)
        _ = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bytes.withUnsafeBytes { buffer in
                    sendto(
                        fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT), socketAddress,
                        length)
                }
            }
        }
    }
}
