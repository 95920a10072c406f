import Glibc

/// The address policy for webhook targets: which IPv4 and IPv6 addresses a server-side request must never reach
/// (loopback, private, link-local, CGNAT, unique local, multicast, unspecified, reserved), IPv4-mapped,
/// IPv4-compatible and NAT64 forms included.
///
/// Pure functions; any thread.
enum CallbackAddress {
    /// The 4 or 16 bytes of an IP literal (`[…]` around IPv6 allowed), or nil when `text` is not one.
    static func parse(_ text: String) -> [UInt8]? {
        var literal = Substring(text)
        if literal.hasPrefix("["), literal.hasSuffix("]") { literal = literal.dropFirst().dropLast() }
        var v4 = in_addr()
        if inet_pton(AF_INET, String(literal), &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, String(literal), &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }

    /// Why `bytes` (4 or 16) may not be a webhook target, or nil when it is a public unicast address.
    static func forbiddenReason(_ bytes: [UInt8]) -> String? {
        switch bytes.count {
        case 4: return ipv4Reason(bytes[0], bytes[1])
        case 16: return ipv6Reason(bytes)
        default: return "not an IP address"
        }
    }

    private static func ipv4Reason(_ a: UInt8, _ b: UInt8) -> String? {
        switch (a, b) {
        case (0, _): "an unspecified (0.0.0.0/8) address"
        case (127, _): "a loopback address"
        case (10, _), (172, 16...31), (192, 168): "a private address"
        case (169, 254): "a link-local address"
        case (100, 64...127): "a CGNAT (shared, 100.64.0.0/10) address"
        case (224...239, _): "a multicast address"
        case (240...255, _): "a reserved address"
        default: nil
        }
    }

    private static func ipv6Reason(_ bytes: [UInt8]) -> String? {
        let zeroPrefix = bytes[0..<10].allSatisfy { $0 == 0 }
        if zeroPrefix, bytes[10] == 0xff, bytes[11] == 0xff {
            return ipv4Reason(bytes[12], bytes[13]).map { "\($0) (IPv4-mapped)" }
        }
        if zeroPrefix, bytes[10] == 0, bytes[11] == 0 {
            if bytes[12..<15].allSatisfy({ $0 == 0 }), bytes[15] <= 1 {
                return bytes[15] == 0 ? "an unspecified address" : "a loopback address"
            }
            return ipv4Reason(bytes[12], bytes[13]).map { "\($0) (IPv4-compatible)" } ?? "a reserved address"
        }
        // NAT64 (64:ff9b::/96): the embedded IPv4 address decides.
        if bytes[0..<12] == [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0] {
            return ipv4Reason(bytes[12], bytes[13]).map { "\($0) (NAT64)" }
        }
        switch (bytes[0], bytes[1] & 0xc0) {
        case (0xfe, 0x80): return "a link-local address"
        case (0xfe, 0xc0): return "a site-local address"
        default: break
        }
        if bytes[0] & 0xfe == 0xfc { return "a unique local address" }
        if bytes[0] == 0xff { return "a multicast address" }
        return nil
    }
}
