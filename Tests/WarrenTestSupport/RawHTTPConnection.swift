import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One raw TCP connection to a local HTTP server, for requests no HTTP client would send: truncated or trickled
/// bodies, lying `Content-Length`s, huge headers, invalid bytes.
///
/// Blocking POSIX calls with a per-call timeout; not `Sendable`: create and use it inside ``offPool(_:)`` (or
/// another thread of its own), never on Swift's cooperative pool. The socket closes in `deinit`.
public final class RawHTTPConnection {
    /// A response as read off the wire.
    public struct Response: Sendable {
        /// The status code (0 when no status line arrived).
        public var status: Int
        /// Header fields, names lowercased, in order.
        public var headers: [(name: String, value: String)]
        /// The body (by `Content-Length`, else to the end of the stream).
        public var body: [UInt8]
        /// The body as UTF-8 text.
        public var text: String { String(decoding: body, as: UTF8.self) }
        /// The first value of `name` (case-insensitive).
        public func header(_ name: String) -> String? {
            headers.first { $0.name == name.lowercased() }?.value
        }
    }

    /// Why a connection failed.
    public struct Failure: Error, CustomStringConvertible {
        /// What failed, with `errno`'s text.
        public var description: String
    }

    private let fd: Int32
    private var buffered: [UInt8] = []

    /// Connects to `127.0.0.1:port`.
    public init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw Failure(description: "connect to port \(port): \(reason)")
        }
    }

    deinit { close(fd) }

    // MARK: - Writing

    /// Sends all of `bytes`; throws when the peer closed or reset the connection.
    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard sent > 0 else {
                if sent < 0, errno == EINTR { continue }
                throw Failure(description: "send: \(String(cString: strerror(errno)))")
            }
            offset += sent
        }
    }

    /// Sends `text` as UTF-8.
    public func send(_ text: String) throws { try send(Array(text.utf8)) }

    /// Shuts the write side (sends FIN): the server sees the end of the request stream.
    public func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }

    // MARK: - Reading

    /// Reads what arrives within `timeout`: nil on timeout, `[]` at the end of the stream; throws on a reset.
    public func read(timeout: Duration) throws -> [UInt8]? {
        if !buffered.isEmpty {
            defer { buffered = [] }
            return buffered
        }
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(
            timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        let ready = poll(&poller, 1, milliseconds)
        guard ready > 0 else { return nil }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard count >= 0 else { throw Failure(description: "recv: \(String(cString: strerror(errno)))") }
        return Array(chunk[0..<count])
    }

    /// Puts `bytes` back in front of what ``read(timeout:)`` returns next.
    public func unread(_ bytes: [UInt8]) { buffered = bytes + buffered }

    /// Whether the server closed the connection (end of stream or reset) within `timeout`, discarding any bytes.
    public func isClosed(within timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            do {
                guard let bytes = try read(timeout: deadline - ContinuousClock.now) else { return false }
                if bytes.isEmpty { return true }
            } catch {
                return true
            }
        }
        return false
    }

    /// Reads one response (head, then a `Content-Length` body or everything to the end of the stream); throws
    /// when nothing complete arrives within `timeout`.
    public func readResponse(timeout: Duration = .seconds(10)) throws -> Response {
        let deadline = ContinuousClock.now + timeout
        var data: [UInt8] = []
        let separator = Array("\r\n\r\n".utf8)
        var headEnd: Int?
        var expected: Int?
        var response = Response(status: 0, headers: [], body: [])
        while true {
            if headEnd == nil, let range = firstRange(of: separator, in: data) {
                headEnd = range
                let head = String(decoding: data[0..<range], as: UTF8.self).components(separatedBy: "\r\n")
                let statusLine = head.first?.split(separator: " ") ?? []
                response.status = statusLine.count > 1 ? Int(statusLine[1]) ?? 0 : 0
                for line in head.dropFirst() {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    response.headers.append(
                        (
                            line[..<colon].lowercased(),
                            line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                        ))
                }
                expected = response.header("content-length").flatMap { Int($0) }
            }
            if let headEnd, let expected, data.count >= headEnd + 4 + expected {
                response.body = Array(data[(headEnd + 4)..<(headEnd + 4 + expected)])
                buffered = Array(data[(headEnd + 4 + expected)...])
                return response
            }
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero, let chunk = try read(timeout: remaining) else {
                throw Failure(description: "no complete response within \(timeout): \(data.count) bytes so far")
            }
            if chunk.isEmpty {
                guard let headEnd else { throw Failure(description: "the connection closed before a response") }
                response.body = Array(data[(headEnd + 4)...])
                return response
            }
            data += chunk
        }
    }

    private func firstRange(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count)
        where haystack[start..<(start + needle.count)].elementsEqual(needle) {
            return start
        }
        return nil
    }
}

/// Runs blocking work (raw sockets, waits) on a thread of its own, off Swift's cooperative pool, and returns its
/// result.
public func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            continuation.resume(with: Result { try body() })
        }
        thread.stackSize = 1 << 20
        thread.start()
    }
}
