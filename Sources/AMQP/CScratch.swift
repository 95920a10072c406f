internal import CRabbitMQ
import Foundation

/// A rabbitmq-c memory pool used to lay out the C structures of one outgoing call (strings, tables, properties).
///
/// Owned by the connection's I/O thread only; `reset()` after each call frees everything at once. Not Sendable.
final class CScratch {
    let pool: UnsafeMutablePointer<amqp_pool_t>

    init() {
        pool = .allocate(capacity: 1)
        init_amqp_pool(pool, 4096)
    }

    deinit {
        empty_amqp_pool(pool)
        pool.deallocate()
    }

    /// Frees every allocation made since the last reset (keeps the pages for reuse).
    func reset() {
        recycle_amqp_pool(pool)
    }

    /// Copies `string` (UTF-8) into the pool.
    func bytes(_ string: String) -> amqp_bytes_t {
        var copy = string
        return copy.withUTF8 { bytes(UnsafeRawBufferPointer($0)) }
    }

    /// Copies `buffer` into the pool.
    func bytes(_ buffer: UnsafeRawBufferPointer) -> amqp_bytes_t {
        guard buffer.count > 0, let raw = amqp_pool_alloc(pool, buffer.count) else {
            return amqp_bytes_t(len: 0, bytes: nil)
        }
        raw.copyMemory(from: buffer.baseAddress!, byteCount: buffer.count)
        return amqp_bytes_t(len: buffer.count, bytes: raw)
    }

    /// Lays out `table` in the pool. Keys are sorted so the encoding is deterministic.
    func table(_ table: FieldTable?) -> amqp_table_t {
        guard let table, !table.isEmpty else { return amqp_table_t(num_entries: 0, entries: nil) }
        let entries = allocate(amqp_table_entry_t.self, count: table.count)
        for (index, key) in table.keys.sorted().enumerated() {
            entries[index] = amqp_table_entry_t(key: bytes(key), value: value(table[key]!))
        }
        return amqp_table_t(num_entries: Int32(table.count), entries: entries)
    }

    /// Lays out one field value in the pool.
    func value(_ value: FieldValue) -> amqp_field_value_t {
        var field = amqp_field_value_t()
        func kind(_ k: amqp_field_value_kind_t) -> UInt8 { UInt8(truncatingIfNeeded: k.rawValue) }
        switch value {
        case .bool(let v):
            field.kind = kind(AMQP_FIELD_KIND_BOOLEAN)
            field.value.boolean = v ? 1 : 0
        case .int8(let v):
            field.kind = kind(AMQP_FIELD_KIND_I8)
            field.value.i8 = v
        case .uint8(let v):
            field.kind = kind(AMQP_FIELD_KIND_U8)
            field.value.u8 = v
        case .int16(let v):
            field.kind = kind(AMQP_FIELD_KIND_I16)
            field.value.i16 = v
        case .uint16(let v):
            field.kind = kind(AMQP_FIELD_KIND_U16)
            field.value.u16 = v
        case .int32(let v):
            field.kind = kind(AMQP_FIELD_KIND_I32)
            field.value.i32 = v
        case .uint32(let v):
            field.kind = kind(AMQP_FIELD_KIND_U32)
            field.value.u32 = v
        case .int64(let v):
            field.kind = kind(AMQP_FIELD_KIND_I64)
            field.value.i64 = v
        case .uint64(let v):
            field.kind = kind(AMQP_FIELD_KIND_U64)
            field.value.u64 = v
        case .float(let v):
            field.kind = kind(AMQP_FIELD_KIND_F32)
            field.value.f32 = v
        case .double(let v):
            field.kind = kind(AMQP_FIELD_KIND_F64)
            field.value.f64 = v
        case .decimal(let decimals, let v):
            field.kind = kind(AMQP_FIELD_KIND_DECIMAL)
            field.value.decimal = amqp_decimal_t(decimals: decimals, value: v)
        case .string(let s):
            field.kind = kind(AMQP_FIELD_KIND_UTF8)
            field.value.bytes = bytes(s)
        case .bytes(let b):
            field.kind = kind(AMQP_FIELD_KIND_BYTES)
            field.value.bytes = b.withUnsafeBytes { bytes($0) }
        case .timestamp(let v):
            field.kind = kind(AMQP_FIELD_KIND_TIMESTAMP)
            field.value.u64 = v
        case .table(let t):
            field.kind = kind(AMQP_FIELD_KIND_TABLE)
            field.value.table = table(t)
        case .array(let values):
            field.kind = kind(AMQP_FIELD_KIND_ARRAY)
            let entries = allocate(amqp_field_value_t.self, count: max(values.count, 1))
            for (index, element) in values.enumerated() { entries[index] = self.value(element) }
            field.value.array = amqp_array_t(num_entries: Int32(values.count), entries: entries)
        case .void:
            field.kind = kind(AMQP_FIELD_KIND_VOID)
        }
        return field
    }

    /// Lays out `properties` in the pool.
    func properties(_ properties: BasicProperties) -> amqp_basic_properties_t {
        var p = amqp_basic_properties_t()
        var flags: UInt32 = 0
        if let v = properties.contentType {
            p.content_type = bytes(v)
            flags |= UInt32(AMQP_BASIC_CONTENT_TYPE_FLAG)
        }
        if let v = properties.contentEncoding {
            p.content_encoding = bytes(v)
            flags |= UInt32(AMQP_BASIC_CONTENT_ENCODING_FLAG)
        }
        if let v = properties.headers {
            p.headers = table(v)
            flags |= UInt32(AMQP_BASIC_HEADERS_FLAG)
        }
        if let v = properties.deliveryMode {
            p.delivery_mode = v.rawValue
            flags |= UInt32(AMQP_BASIC_DELIVERY_MODE_FLAG)
        }
        if let v = properties.priority {
            p.priority = v
            flags |= UInt32(AMQP_BASIC_PRIORITY_FLAG)
        }
        if let v = properties.correlationID {
            p.correlation_id = bytes(v)
            flags |= UInt32(AMQP_BASIC_CORRELATION_ID_FLAG)
        }
        if let v = properties.replyTo {
            p.reply_to = bytes(v)
            flags |= UInt32(AMQP_BASIC_REPLY_TO_FLAG)
        }
        if let v = properties.expiration {
            p.expiration = bytes(v)
            flags |= UInt32(AMQP_BASIC_EXPIRATION_FLAG)
        }
        if let v = properties.messageID {
            p.message_id = bytes(v)
            flags |= UInt32(AMQP_BASIC_MESSAGE_ID_FLAG)
        }
        if let v = properties.timestamp {
            p.timestamp = UInt64(max(0, v.timeIntervalSince1970))
            flags |= UInt32(AMQP_BASIC_TIMESTAMP_FLAG)
        }
        if let v = properties.type {
            p.type = bytes(v)
            flags |= UInt32(AMQP_BASIC_TYPE_FLAG)
        }
        if let v = properties.userID {
            p.user_id = bytes(v)
            flags |= UInt32(AMQP_BASIC_USER_ID_FLAG)
        }
        if let v = properties.appID {
            p.app_id = bytes(v)
            flags |= UInt32(AMQP_BASIC_APP_ID_FLAG)
        }
        p._flags = flags
        return p
    }

    private func allocate<T>(_ type: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        let raw = amqp_pool_alloc(pool, MemoryLayout<T>.stride * count)!
        return raw.bindMemory(to: T.self, capacity: count)
    }
}
