/// Checks, before a message reaches the I/O thread, what rabbitmq-c cannot encode: AMQP short strings (exchange,
/// routing key, the string properties, field-table keys) hold at most 255 bytes. rabbitmq-c fails such a publish
/// half-way through its frames, which would take the whole connection down; checked here, only that message fails.
///
/// Pure; callable from any thread.
enum MessageValidation {
    /// The most bytes an AMQP short string holds.
    static let shortStringLimit = 255

    /// What makes this message unencodable, or `nil` when it can be sent.
    static func problem(exchange: String, routingKey: String, properties: BasicProperties) -> String? {
        // The common case without allocating: everything fits.
        func fits(_ value: String?) -> Bool { (value?.utf8.count ?? 0) <= shortStringLimit }
        if fits(exchange) && fits(routingKey) && fits(properties.contentType) && fits(properties.contentEncoding)
            && fits(properties.correlationID) && fits(properties.replyTo) && fits(properties.expiration)
            && fits(properties.messageID) && fits(properties.type) && fits(properties.userID)
            && fits(properties.appID) && properties.headers.flatMap(longKey(in:)) == nil
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
        if let headers = properties.headers, let key = longKey(in: headers) {
            return "a header name is \(key.utf8.count) bytes; AMQP field names hold at most \(shortStringLimit)"
        }
        return nil
    }

    /// The first field name (at any depth) longer than a short string, if any.
    static func longKey(in table: FieldTable) -> String? {
        for (key, value) in table {
            if key.utf8.count > shortStringLimit { return key }
            if let nested = longKey(in: value) { return nested }
        }
        return nil
    }

    private static func longKey(in value: FieldValue) -> String? {
        switch value {
        case .table(let table): longKey(in: table)
        case .array(let values): values.lazy.compactMap { longKey(in: $0) }.first
        default: nil
        }
    }
}
