import Crypto
public import Foundation

/// Signs webhook deliveries the Standard Webhooks way: `webhook-id`, `webhook-timestamp` (Unix seconds) and
/// `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`.
///
/// A value type holding the key; `Sendable`. Receivers verify with the same secret (``secretText``, the
/// `whsec_…` form), reject timestamps too far from their clock, and compare signatures in constant time.
public struct WebhookSigner: Sendable, CustomStringConvertible {
    private let secret: [UInt8]

    /// A signer with `secret` (raw key bytes, at least 16).
    public init(secret: [UInt8]) {
        self.secret = secret
    }

    /// Never the key.
    public var description: String { "WebhookSigner(key: redacted)" }

    /// The key as receivers configure it: `whsec_` + base64.
    public var secretText: String {
        "whsec_" + Data(secret).base64EncodedString()
    }

    /// The three headers for `body` sent as message `id` at `timestamp`.
    public func headers(id: String, timestamp: Date, body: [UInt8]) -> [(String, String)] {
        let seconds = String(Int64(timestamp.timeIntervalSince1970))
        return [
            ("webhook-id", id), ("webhook-timestamp", seconds),
            ("webhook-signature", signature(id: id, timestamp: seconds, body: body)),
        ]
    }

    /// `v1,<base64 signature>` of `id.timestamp.body`.
    public func signature(id: String, timestamp: String, body: [UInt8]) -> String {
        var message = Data("\(id).\(timestamp).".utf8)
        message.append(contentsOf: body)
        let code = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: secret))
        return "v1," + Data(code).base64EncodedString()
    }

    /// Parses a secret as stored in a file: `whsec_<base64>`, or any other text taken as raw bytes. Nil when it
    /// is shorter than 16 bytes.
    public static func parseSecret(_ text: String) -> [UInt8]? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let bytes: [UInt8]
        if trimmed.hasPrefix("whsec_") {
            // The prefix promises base64: anything else is a damaged key, not a raw one.
            guard let data = Data(base64Encoded: String(trimmed.dropFirst(6))) else { return nil }
            bytes = Array(data)
        } else {
            bytes = Array(trimmed.utf8)
        }
        return bytes.count >= 16 ? bytes : nil
    }

    /// A new random 32-byte secret.
    public static func randomSecret() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }
}
