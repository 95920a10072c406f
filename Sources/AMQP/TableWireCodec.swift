internal import CRabbitMQ

/// AMQP field tables in wire format through rabbitmq-c's own codec and this module's conversions: the path a
/// header table takes from a peer to the application and back. For the fuzzer (`warren-fuzz`), not for applications.
///
/// Stateless; every call uses its own memory pool, so it is callable from any thread.
@_spi(Fuzzing)
public enum TableWireCodec {
    /// Decodes `bytes` (a table as on the wire: 4-byte length, then entries) with `amqp_decode_table` and converts
    /// the result to a ``FieldTable``; `nil` when rabbitmq-c rejects the bytes.
    public static func decode(_ bytes: UnsafeRawBufferPointer) -> FieldTable? {
        let scratch = CScratch()
        let copy = scratch.bytes(bytes)
        var table = amqp_table_t()
        var offset = 0
        guard copy.len > 0, amqp_decode_table(copy, scratch.pool, &table, &offset) == AMQP_STATUS_OK.rawValue else {
            return nil
        }
        return CDecoding.table(table)
    }

    /// Lays `table` out as this module does for a publish and encodes it with `amqp_encode_table`; `nil` when
    /// rabbitmq-c cannot encode it (``MessageValidation`` stops such tables before they are sent).
    public static func encode(_ table: FieldTable) -> [UInt8]? {
        let scratch = CScratch()
        var layout = scratch.table(table)
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var offset = 0
        let rc = buffer.withUnsafeMutableBytes { raw in
            amqp_encode_table(amqp_bytes_t(len: raw.count, bytes: raw.baseAddress), &layout, &offset)
        }
        guard rc == AMQP_STATUS_OK.rawValue else { return nil }
        return Array(buffer[..<offset])
    }

    /// Why a publish carrying `headers` would be refused before sending (``AMQPError/invalidMessage(_:)``), if it
    /// would.
    public static func publishProblem(headers: FieldTable) -> String? {
        MessageValidation.problem(exchange: "", routingKey: "", properties: BasicProperties(headers: headers))
    }
}
