internal import CRabbitMQ
import Glibc

/// Holds the last string decoded from a field, so a stream of deliveries with the same exchange, routing key or
/// consumer tag neither allocates a new `String` nor retains one per message: ``update(_:)`` keeps ``value``
/// unless the bytes changed. Used on the I/O thread only; not Sendable.
struct StringCache {
    private var bytes: [UInt8] = []
    /// The string decoded from the bytes of the last ``update(_:)``.
    private(set) var value = ""

    /// Makes ``value`` the decoding of `field`; returns whether it changed (it does not when the bytes are the
    /// same as last time).
    mutating func update(_ field: amqp_bytes_t) -> Bool {
        guard field.len > 0, let base = field.bytes else {
            if bytes.isEmpty { return false }
            bytes = []
            value = ""
            return true
        }
        if field.len == bytes.count, bytes.withUnsafeBytes({ memcmp($0.baseAddress!, base, field.len) == 0 }) {
            return false
        }
        let incoming = UnsafeRawBufferPointer(start: base, count: field.len)
        bytes = Array(incoming)
        value = String(decoding: incoming, as: UTF8.self)
        return true
    }
}
