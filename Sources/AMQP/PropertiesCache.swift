internal import CRabbitMQ
import Foundation
import Glibc

/// Decodes incoming message properties, reusing the last decoded value when a message carries exactly the same
/// ones (a stream of messages from one publisher usually does): then a delivery costs one retain for its
/// properties instead of a new object and a `String` per field. Messages with headers are always decoded afresh
/// (comparing tables would cost what decoding does). Used on the I/O thread only (one per channel); not Sendable.
struct PropertiesCache {
    private var flags: amqp_flags_t = 0
    private var last: BasicProperties?

    mutating func properties(_ p: amqp_basic_properties_t) -> BasicProperties {
        let flags = p._flags
        if flags & amqp_flags_t(AMQP_BASIC_HEADERS_FLAG) != 0 {
            last = nil
            return CDecoding.properties(p)
        }
        if let last, flags == self.flags, Self.matches(p, last) { return last }
        let decoded = CDecoding.properties(p)
        self.flags = flags
        last = decoded
        return decoded
    }

    /// Whether `p` (whose flags equal those `value` was decoded with, headers unset) decodes to `value`. A field
    /// whose flag is unset is unset in `value` too (same flags), so only the fields present are compared: the
    /// usual stream of persistent messages without other properties compares one byte.
    private static func matches(_ p: amqp_basic_properties_t, _ value: BasicProperties) -> Bool {
        func has(_ flag: Int32) -> Bool { p._flags & amqp_flags_t(flag) != 0 }
        if has(AMQP_BASIC_DELIVERY_MODE_FLAG),
            BasicProperties.DeliveryMode(rawValue: p.delivery_mode) != value.deliveryMode
        {
            return false
        }
        if has(AMQP_BASIC_PRIORITY_FLAG), p.priority != value.priority { return false }
        if has(AMQP_BASIC_TIMESTAMP_FLAG), TimeInterval(p.timestamp) != value.timestamp?.timeIntervalSince1970 {
            return false
        }
        return (!has(AMQP_BASIC_CONTENT_TYPE_FLAG) || same(p.content_type, value.contentType))
            && (!has(AMQP_BASIC_CONTENT_ENCODING_FLAG) || same(p.content_encoding, value.contentEncoding))
            && (!has(AMQP_BASIC_CORRELATION_ID_FLAG) || same(p.correlation_id, value.correlationID))
            && (!has(AMQP_BASIC_REPLY_TO_FLAG) || same(p.reply_to, value.replyTo))
            && (!has(AMQP_BASIC_EXPIRATION_FLAG) || same(p.expiration, value.expiration))
            && (!has(AMQP_BASIC_MESSAGE_ID_FLAG) || same(p.message_id, value.messageID))
            && (!has(AMQP_BASIC_TYPE_FLAG) || same(p.type, value.type))
            && (!has(AMQP_BASIC_USER_ID_FLAG) || same(p.user_id, value.userID))
            && (!has(AMQP_BASIC_APP_ID_FLAG) || same(p.app_id, value.appID))
    }

    /// Whether the wire bytes equal the decoded string (`nil`: the field is unset, by the equal flags).
    private static func same(_ bytes: amqp_bytes_t, _ string: String?) -> Bool {
        guard var string else { return true }
        return string.withUTF8 { utf8 in
            utf8.count == bytes.len && (utf8.isEmpty || memcmp(utf8.baseAddress!, bytes.bytes, bytes.len) == 0)
        }
    }
}
