import AMQP
import Foundation

/// Renders a delivery as one JSON line for `warren consume`.
enum DeliveryJSON {
    static func render(_ delivery: Delivery, forceBase64: Bool) -> Data {
        var object: [String: Any] = [
            "exchange": delivery.exchange,
            "routingKey": delivery.routingKey,
            "redelivered": delivery.redelivered,
            "deliveryTag": delivery.deliveryTag,
            "properties": properties(delivery.properties),
            "headers": table(delivery.properties.headers ?? [:]),
        ]
        if !forceBase64, let text = String(validating: delivery.body, as: UTF8.self) {
            object["body"] = text
        } else {
            object["bodyBase64"] = Data(delivery.body).base64EncodedString()
        }
        var data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
        data.append(UInt8(ascii: "\n"))
        return data
    }

    static func properties(_ p: BasicProperties) -> [String: Any] {
        var result: [String: Any] = [:]
        result["contentType"] = p.contentType
        result["contentEncoding"] = p.contentEncoding
        result["deliveryMode"] = p.deliveryMode.map { Int($0.rawValue) }
        result["priority"] = p.priority.map { Int($0) }
        result["correlationId"] = p.correlationID
        result["replyTo"] = p.replyTo
        result["expiration"] = p.expiration
        result["messageId"] = p.messageID
        result["timestamp"] = p.timestamp.map { Int($0.timeIntervalSince1970) }
        result["type"] = p.type
        result["userId"] = p.userID
        result["appId"] = p.appID
        return result
    }

    static func table(_ table: FieldTable) -> [String: Any] {
        table.mapValues(value)
    }

    static func value(_ value: FieldValue) -> Any {
        switch value {
        case .bool(let v): v
        case .float(let v): Double(v)
        case .double(let v): v
        case .decimal(let decimals, let v): Double(v) / pow(10, Double(decimals))
        case .string(let s): s
        case .bytes(let b): Data(b).base64EncodedString()
        case .table(let t): table(t)
        case .array(let a): a.map { self.value($0) }
        case .void: NSNull()
        default: value.intValue ?? NSNull()
        }
    }
}
