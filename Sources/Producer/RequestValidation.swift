import Foundation
import Warren

/// Checks on request inputs that are not the event itself: headers and query values, each failing with a
/// ``Problem``-ready reason. Pure functions; `Sendable`.
enum RequestValidation {
    /// The longest `Idempotency-Key` accepted.
    static let maximumKeyLength = 255
    /// The longest callback URL accepted.
    static let maximumURLLength = 2048

    /// An `Idempotency-Key`: 1 to 255 visible ASCII characters; nil with a reason otherwise.
    static func idempotencyKey(_ value: String) -> Result<String, ValidationFailure> {
        guard !value.isEmpty, value.utf8.count <= maximumKeyLength,
            value.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7e })
        else {
            return .failure(
                ValidationFailure(
                    "Idempotency-Key must be 1 to \(maximumKeyLength) visible ASCII characters (no spaces)"))
        }
        return .success(value)
    }

    /// A callback URL: absolute `http` or `https` with a host, at most 2048 characters.
    static func callbackURL(_ value: String) -> Result<String, ValidationFailure> {
        guard value.utf8.count <= maximumURLLength, let components = URLComponents(string: value),
            let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = components.host, !host.isEmpty, components.user == nil, components.password == nil
        else {
            return .failure(
                ValidationFailure(
                    "callback_url must be an absolute http(s) URL without credentials, at most \(maximumURLLength) characters"
                ))
        }
        return .success(value)
    }

    /// A W3C `traceparent` (`00-<32 hex>-<16 hex>-<2 hex>`, not all zeros), lowercased; nil when malformed.
    static func traceparent(_ value: String) -> String? {
        let parts = value.lowercased().split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0].count == 2, parts[1].count == 32, parts[2].count == 16, parts[3].count == 2,
            parts[0] != "ff", parts.allSatisfy({ $0.allSatisfy(\.isHexDigit) }),
            parts[1] != Substring(String(repeating: "0", count: 32)),
            parts[2] != Substring(String(repeating: "0", count: 16))
        else { return nil }
        return parts.joined(separator: "-")
    }

    /// A fresh `traceparent` (version 00, sampled).
    static func newTraceparent() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        var text = Array("00-".utf8)
        text.reserveCapacity(55)
        func hex(_ count: Int) {
            for _ in 0..<count {
                let byte = UInt8.random(in: 0...255, using: &generator)
                text.append(digits[Int(byte >> 4)])
                text.append(digits[Int(byte & 0x0F)])
            }
        }
        hex(16)
        text.append(UInt8(ascii: "-"))
        hex(8)
        text.append(contentsOf: "-01".utf8)
        return String(decoding: text, as: UTF8.self)
    }

    /// An event id in a path: 1 to ``CloudEvent/maximumIdentifierLength`` characters.
    static func isPlausibleID(_ value: String) -> Bool {
        !value.isEmpty && value.utf8.count <= CloudEvent.maximumIdentifierLength
    }
}

/// Why an input was refused (safe to show).
struct ValidationFailure: Error, Sendable {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}
