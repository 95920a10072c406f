internal import CRabbitMQ
import Foundation

/// Copies decoded rabbitmq-c structures into Swift values. Decoded frames live in library pools that the next
/// `amqp_maybe_release_buffers` invalidates, so everything is copied out at once.
enum CDecoding {
    static func string(_ bytes: amqp_bytes_t) -> String {
        guard bytes.len > 0, let base = bytes.bytes else { return "" }
        let buffer = UnsafeRawBufferPointer(start: base, count: bytes.len)
        return String(decoding: buffer, as: UTF8.self)
    }

    static func array(_ bytes: amqp_bytes_t) -> [UInt8] {
        guard bytes.len > 0, let base = bytes.bytes else { return [] }
        return Array(UnsafeRawBufferPointer(start: base, count: bytes.len))
    }

    static func table(_ table: amqp_table_t) -> FieldTable {
        var result: FieldTable = [:]
        guard table.num_entries > 0, let entries = table.entries else { return result }
        result.reserveCapacity(Int(table.num_entries))
        for index in 0..<Int(table.num_entries) {
            let entry = entries[index]
            result[string(entry.key)] = value(entry.value)
        }
        return result
    }

    static func value(_ field: amqp_field_value_t) -> FieldValue {
        func kind(_ k: amqp_field_value_kind_t) -> UInt8 { UInt8(truncatingIfNeeded: k.rawValue) }
        switch field.kind {
        case kind(AMQP_FIELD_KIND_BOOLEAN): return .bool(field.value.boolean != 0)
        case kind(AMQP_FIELD_KIND_I8): return .int8(field.value.i8)
        case kind(AMQP_FIELD_KIND_U8): return .uint8(field.value.u8)
        case kind(AMQP_FIELD_KIND_I16): return .int16(field.value.i16)
        case kind(AMQP_FIELD_KIND_U16): return .uint16(field.value.u16)
        case kind(AMQP_FIELD_KIND_I32): return .int32(field.value.i32)
        case kind(AMQP_FIELD_KIND_U32): return .uint32(field.value.u32)
        case kind(AMQP_FIELD_KIND_I64): return .int64(field.value.i64)
        case kind(AMQP_FIELD_KIND_U64): return .uint64(field.value.u64)
        case kind(AMQP_FIELD_KIND_F32): return .float(field.value.f32)
        case kind(AMQP_FIELD_KIND_F64): return .double(field.value.f64)
        case kind(AMQP_FIELD_KIND_DECIMAL):
            return .decimal(decimals: field.value.decimal.decimals, value: field.value.decimal.value)
        case kind(AMQP_FIELD_KIND_UTF8), kind(AMQP_FIELD_KIND_BYTES):
            let raw = array(field.value.bytes)
            if let text = String(validating: raw, as: UTF8.self) { return .string(text) }
            return .bytes(raw)
        case kind(AMQP_FIELD_KIND_TIMESTAMP): return .timestamp(field.value.u64)
        case kind(AMQP_FIELD_KIND_TABLE): return .table(table(field.value.table))
        case kind(AMQP_FIELD_KIND_ARRAY):
            let array = field.value.array
            guard array.num_entries > 0, let entries = array.entries else { return .array([]) }
            return .array((0..<Int(array.num_entries)).map { value(entries[$0]) })
        default: return .void
        }
    }

    static func properties(_ p: amqp_basic_properties_t) -> BasicProperties {
        let flags = p._flags
        func has(_ flag: Int32) -> Bool { flags & UInt32(flag) != 0 }
        var result = BasicProperties()
        if has(AMQP_BASIC_CONTENT_TYPE_FLAG) { result.contentType = string(p.content_type) }
        if has(AMQP_BASIC_CONTENT_ENCODING_FLAG) { result.contentEncoding = string(p.content_encoding) }
        if has(AMQP_BASIC_HEADERS_FLAG) { result.headers = table(p.headers) }
        if has(AMQP_BASIC_DELIVERY_MODE_FLAG) {
            result.deliveryMode = BasicProperties.DeliveryMode(rawValue: p.delivery_mode)
        }
        if has(AMQP_BASIC_PRIORITY_FLAG) { result.priority = p.priority }
        if has(AMQP_BASIC_CORRELATION_ID_FLAG) { result.correlationID = string(p.correlation_id) }
        if has(AMQP_BASIC_REPLY_TO_FLAG) { result.replyTo = string(p.reply_to) }
        if has(AMQP_BASIC_EXPIRATION_FLAG) { result.expiration = string(p.expiration) }
        if has(AMQP_BASIC_MESSAGE_ID_FLAG) { result.messageID = string(p.message_id) }
        if has(AMQP_BASIC_TIMESTAMP_FLAG) {
            result.timestamp = Date(timeIntervalSince1970: TimeInterval(p.timestamp))
        }
        if has(AMQP_BASIC_TYPE_FLAG) { result.type = string(p.type) }
        if has(AMQP_BASIC_USER_ID_FLAG) { result.userID = string(p.user_id) }
        if has(AMQP_BASIC_APP_ID_FLAG) { result.appID = string(p.app_id) }
        return result
    }
}
