internal import CRabbitMQ

/// Remembers the last string decoded from a field, so a stream of deliveries with the same exchange, routing key
/// or consumer tag does not allocate a new `String` each time. Used on the I/O thread only; not Sendable.
struct StringCache {
    private var bytes: [UInt8] = []
    private var value = ""

    mutating func string(_ field: amqp_bytes_t) -> String {
        guard field.len > 0, let base = field.bytes else { return "" }
        let incoming = UnsafeRawBufferPointer(start: base, count: field.len)
        if incoming.count == bytes.count,
            bytes.withUnsafeBytes({ $0.elementsEqual(incoming) })
        {
            return value
        }
        bytes = Array(incoming)
        value = String(decoding: incoming, as: UTF8.self)
        return value
    }
}
