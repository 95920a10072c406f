import Foundation

extension CloudEvent {
    /// The attributes the structured form defines; every other member is an extension.
    static let contextAttributes: Set<String> = ["id", "source", "type", "specversion", "time", "datacontenttype"]

    /// Validates structured JSON members and builds the event; every failure names the attribute.
    init(validating members: [String: JSONValue]) throws(WarrenError) {
        let specversion = try Self.requiredString("specversion", in: members)
        guard specversion == Self.specVersion else {
            throw .invalidEvent(
                reason: "attribute \"specversion\" is \(WarrenError.quote(specversion)); expected \"1.0\"")
        }
        let id = try Self.requiredString("id", in: members)
        let source = try Self.requiredString("source", in: members)
        let type = try Self.requiredString("type", in: members)
        try Self.checkLength("id", id)
        try Self.checkLength("type", type)

        var time: Date?
        if let text = try Self.optionalString("time", in: members) {
            guard let date = RFC3339.parse(text) else {
                throw .invalidEvent(
                    reason: "attribute \"time\" is \(WarrenError.quote(text)); expected an RFC 3339 timestamp "
                        + "such as \"2024-05-01T12:00:00Z\"")
            }
            time = date
        }
        let dataContentType = try Self.optionalString("datacontenttype", in: members)
        if members["data_base64"] != nil {
            throw .invalidEvent(reason: "attribute \"data_base64\" (binary data) is not supported; send JSON \"data\"")
        }

        var extensions: [String: JSONValue] = [:]
        for (name, value) in members where !Self.contextAttributes.contains(name) && name != "data" {
            guard Self.isValidExtensionName(name) else {
                throw .invalidEvent(
                    reason: "extension attribute name \(WarrenError.quote(name)) is invalid; expected lowercase "
                        + "ASCII letters and digits only")
            }
            switch value {
            case .null: continue  // a null attribute is the same as an absent one
            case .string, .number, .bool: extensions[name] = value
            case .array, .object:
                throw .invalidEvent(
                    reason: "extension attribute \(WarrenError.quote(name)) is \(value.kindDescription); expected "
                        + "a string, number or boolean")
            }
        }
        let data = members["data"].flatMap { value -> JSONValue? in value == .null ? nil : value }
        self.init(
            id: id, source: source, type: type, time: time, dataContentType: dataContentType, data: data,
            extensions: extensions)
    }

    /// Whether `name` is a valid CloudEvents attribute name: 1 to 64 lowercase ASCII letters and digits.
    static func isValidExtensionName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64
            && name.utf8.allSatisfy { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (48...57).contains($0) }
    }

    // MARK: - Attribute helpers

    private static func requiredString(_ name: String, in members: [String: JSONValue]) throws(WarrenError)
        -> String
    {
        guard let value = members[name], value != .null else {
            throw .invalidEvent(reason: "required attribute \"\(name)\" is missing; expected a non-empty string")
        }
        guard case .string(let text) = value else {
            throw .invalidEvent(
                reason: "attribute \"\(name)\" is \(value.kindDescription); expected a non-empty string")
        }
        guard !text.isEmpty else {
            throw .invalidEvent(reason: "attribute \"\(name)\" is empty; expected a non-empty string")
        }
        return text
    }

    private static func optionalString(_ name: String, in members: [String: JSONValue]) throws(WarrenError)
        -> String?
    {
        guard let value = members[name], value != .null else { return nil }
        return try requiredString(name, in: members)
    }

    private static func checkLength(_ name: String, _ value: String) throws(WarrenError) {
        guard value.utf8.count <= maximumIdentifierLength else {
            throw .invalidEvent(
                reason: "attribute \"\(name)\" is \(value.utf8.count) bytes long (UTF-8); expected at most "
                    + "\(maximumIdentifierLength) bytes (an AMQP short string)")
        }
    }
}
