import Foundation
import Glibc
import NIOPosix

/// Checks webhook targets against ``CallbackAddress``: once when an event is accepted (`422`), and again right
/// before every delivery on the addresses the name resolves to then (DNS rebinding), which the delivery then
/// connects to and nothing else.
///
/// A value type; `Sendable`. Name resolution (`getaddrinfo`, blocking) runs on NIO's blocking thread pool, never
/// on Swift's cooperative pool, and is bounded by ``resolveTimeout``.
struct CallbackGuard: Sendable {
    /// Let private targets through (`--allow-private-callbacks`: tests, or receivers on the same network).
    var allowPrivate = false
    /// The longest a lookup may take.
    var resolveTimeout: Duration = .seconds(3)

    /// Why a delivery to `host` is refused.
    struct Refusal: Error, Sendable, CustomStringConvertible {
        var description: String
    }

    /// The address to connect to for `host` (an IP literal or a name), or a refusal naming the rule. Every
    /// address the name resolves to must be allowed: one forbidden answer refuses it.
    func target(host: String) async throws(Refusal) -> String {
        if let literal = CallbackAddress.parse(host) {
            try check(literal, host: host)
            return Self.text(literal)
        }
        let lowered = host.lowercased()
        if lowered == "localhost" || lowered.hasSuffix(".localhost") {
            if allowPrivate { return host }
            throw Refusal(
                description:
                    "callback host \(host) is a loopback name; webhooks go to public addresses only unless the "
                    + "producer runs with --allow-private-callbacks")
        }
        let addresses = try await resolve(host)
        guard let first = addresses.first else {
            throw Refusal(description: "callback host \(host) does not resolve")
        }
        for address in addresses { try check(address, host: host) }
        return Self.text(first)
    }

    private func check(_ address: [UInt8], host: String) throws(Refusal) {
        guard !allowPrivate, let reason = CallbackAddress.forbiddenReason(address) else { return }
        throw Refusal(
            description:
                "callback host \(host) is or resolves to \(reason) (\(Self.text(address))); webhooks go to public "
                + "addresses only unless the producer runs with --allow-private-callbacks")
    }

    private func resolve(_ host: String) async throws(Refusal) -> [[UInt8]] {
        let lookup: @Sendable () -> [[UInt8]]? = { Self.getaddrinfo(host) }
        let result: [[UInt8]]?
        do {
            result = try await withThrowingTaskGroup(of: [[UInt8]]?.self) { group in
                group.addTask { try await NIOThreadPool.singleton.runIfActive(lookup) }
                group.addTask {
                    try await Task.sleep(for: resolveTimeout)
                    return nil
                }
                defer { group.cancelAll() }
                return try await group.next() ?? nil
            }
        } catch {
            throw Refusal(description: "callback host \(host) could not be resolved")
        }
        guard let result else { throw Refusal(description: "callback host \(host) could not be resolved in time") }
        return result
    }

    private static func getaddrinfo(_ host: String) -> [[UInt8]]? {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard Glibc.getaddrinfo(host, nil, &hints, &list) == 0 else { return nil }
        defer { freeaddrinfo(list) }
        var addresses: [[UInt8]] = []
        var node = list
        while let entry = node {
            if let sockaddr = entry.pointee.ai_addr {
                switch entry.pointee.ai_family {
                case AF_INET:
                    sockaddr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { v4 in
                        var address = v4.pointee.sin_addr
                        addresses.append(withUnsafeBytes(of: &address) { Array($0) })
                    }
                case AF_INET6:
                    sockaddr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 in
                        var address = v6.pointee.sin6_addr
                        addresses.append(withUnsafeBytes(of: &address) { Array($0) })
                    }
                default: break
                }
            }
            node = entry.pointee.ai_next
        }
        return addresses
    }

    /// The textual form of 4 or 16 address bytes.
    static func text(_ address: [UInt8]) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = address.count == 4 ? AF_INET : AF_INET6
        let ok = address.withUnsafeBytes { raw in inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count)) }
        guard ok != nil else { return "?" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
