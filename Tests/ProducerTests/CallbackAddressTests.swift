import Testing

@testable import Producer

/// Which addresses a webhook may reach: every special-purpose range a server-side request must never hit.
@Suite("callback address policy")
struct CallbackAddressTests {
    @Test(
        "refused: loopback, private, link-local, CGNAT, ULA, multicast, unspecified, IPv4-mapped and NAT64 forms",
        arguments: [
            ("127.0.0.1", "loopback"), ("127.255.0.9", "loopback"), ("::1", "loopback"),
            ("10.1.2.3", "private"), ("172.16.0.1", "private"), ("172.31.255.255", "private"),
            ("192.168.1.1", "private"), ("169.254.169.254", "link-local"), ("fe80::1", "link-local"),
            ("100.64.0.1", "CGNAT"), ("100.127.255.254", "CGNAT"), ("fd00::1", "unique local"),
            ("fc12::5", "unique local"), ("224.0.0.1", "multicast"), ("239.1.1.1", "multicast"),
            ("ff02::1", "multicast"), ("0.0.0.0", "unspecified"), ("::", "unspecified"),
            ("0.1.2.3", "unspecified"), ("::ffff:127.0.0.1", "loopback"), ("::ffff:10.0.0.1", "private"),
            ("::ffff:169.254.169.254", "link-local"), ("64:ff9b::7f00:1", "loopback"),
            ("240.0.0.1", "reserved"), ("255.255.255.255", "reserved"), ("fec0::1", "site-local"),
        ])
    func refused(address: String, rule: String) throws {
        let bytes = try #require(CallbackAddress.parse(address), "\(address) did not parse")
        let reason = CallbackAddress.forbiddenReason(bytes)
        #expect(reason?.contains(rule) == true, "\(address): \(reason ?? "allowed")")
    }

    @Test(
        "allowed: public IPv4 and IPv6",
        arguments: ["93.184.216.34", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "::ffff:8.8.8.8"])
    func allowed(address: String) throws {
        let bytes = try #require(CallbackAddress.parse(address))
        #expect(CallbackAddress.forbiddenReason(bytes) == nil, "\(address)")
    }

    @Test("only IP literals parse; names do not")
    func parsing() {
        #expect(CallbackAddress.parse("example.com") == nil)
        #expect(CallbackAddress.parse("[::1]") != nil)
        #expect(CallbackAddress.parse("1.2.3") == nil)
    }
}
