/// Checks, before a message reaches the I/O thread, what rabbitmq-c cannot encode: AMQP short strings (exchange,
/// routing key, the string properties, field-table keys) hold at most 255 bytes, and the properties must fit in one
/// content-header frame (headers at most ``headersLimit`` bytes encoded). rabbitmq-c fails such a publish half-way
/// through its frames, which would take the whole connection down; checked here, only that message fails.
///
/// Pure; callable from any thread.
enum MessageValidation {
    /// The most bytes an AMQP short string holds.
    static let shortStringLimit = 255
    /// The most bytes the encoded headers table may take: the default `frame_max` (131,072) less room for the
    /// frame's own fields and the other properties (at most 11 short strings).
    static let headersLimit = 131_072 - 4_096

    /// What makes this message unencodable, or `nil` when it can be sent.
    static func problem(exchange: String, routingKey: String, properties: BasicProperties) -> String? {
        // The common case without allocating: everything fits.
        func fits(_ value: String?) -> Bool { (value?.utf8.count ?? 0) <= shortStringLimit }
        let headers = properties.headers.map(scan(_:))
        if fits(exchange) && fits(routingKey) && fits(properties.contentType) && fits(properties.contentEncoding)
            && fits(properties.correlationID) && fits(properties.replyTo) && fits(properties.expiration)
            && fits(properties.messageID) && fits(properties.type) && fits(properties.userID)
            && fits(properties.appID) && headers?.longKey == nil && (headers?.size ?? 0) <= headersLimit
        {
            return nil
        }
        let shortStrings: [(String, String?)] = [
            ("exchange", exchange), ("routing key", routingKey), ("content type", properties.contentType),
            ("content encoding", properties.contentEncoding), ("correlation id", properties.correlationID),
            ("reply-to", properties.replyTo), ("expiration", properties.expiration),
            ("message id", properties.messageID), ("type", properties.type), ("user id", properties.userID),
            ("app id", properties.appID),
        ]
        for case (let name, let value?) in shortStrings where value.utf8.count > shortStringLimit {
            return "the \(name) is \(value.utf8.count) bytes; AMQP short strings hold at most \(shortStringLimit)"
        }
        if let scanned = headers {
            if let key = scanned.longKey {
                return "a header name is \(key.utf8.count) bytes; AMQP field names hold at most \(shortStringLimit)"
            }
            if scanned.size > headersLimit {
                return "the headers take \(scanned.size) bytes encoded; at most \(headersLimit) fit in one frame"
            }
        }
        return nil
    }

    /// A table's encoded size in bytes and its first field name (at any depth) longer than a short string.
    static func scan(_ table: FieldTable) -> (size: Int, longKey: String?) {
        var size = 4
        var long: String?
        for (key, value) in table {
            let keyBytes = key.utf8.count
            if keyBytes > shortStringLimit && long == nil { long = key }
            let (valueSize, nested) = scan(value)
            size += 1 + keyBytes + 1 + valueSize
            if long == nil { long = nested }
        }
        return (size, long)
    }

    /// A field value's encoded size without its type byte, and its first long field name.
    private static func scan(_ value: FieldValue) -> (size: Int, longKey: String?) {
        switch value {
        case .bool, .int8, .uint8: return (1, nil)
        case .int16, .uint16: return (2, nil)
        case .int32, .uint32, .float: return (4, nil)
        case .int64, .uint64, .double, .timestamp: return (8, nil)
        case .decimal: return (5, nil)
        case .string(let string): return (4 + string.utf8.count, nil)
        case .bytes(let bytes): return (4 + bytes.count, nil)
        case .void: return (0, nil)
        case .table(let table): return scan(table)
        case .array(let values):
            var size = 4
            var long: String?
            for element in values {
                let (elementSize, nested) = scan(element)
                size += 1 + elementSize
                if long == nil { long = nested }
            }
            return (size, long)
        }
    }
}
