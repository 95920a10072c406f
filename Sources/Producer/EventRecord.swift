public import Foundation
public import Warren

/// What the producer knows about one event: its latest status and where to report it.
///
/// A value type; `Sendable`; read from the ``ProducerStore``.
public struct EventRecord: Sendable, Hashable {
    /// The event id.
    public var id: String
    /// The CloudEvent type.
    public var type: String
    /// The latest status.
    public var status: EventStatus
    /// The attempt the status applies to (from 1).
    public var attempt: Int
    /// When the producer accepted it.
    public var createdAt: Date
    /// When the status last changed.
    public var updatedAt: Date
    /// The handler's result, once succeeded.
    public var result: JSONValue?
    /// What went wrong, on failure.
    public var error: String?
    /// Where the final status is POSTed, if anywhere.
    public var callbackURL: String?

    /// The JSON body of `GET /v1/events/{id}`.
    public func json() -> JSONValue {
        var object: [String: JSONValue] = [
            "id": .string(id), "type": .string(type), "status": .string(status.rawValue),
            "attempt": .number(Double(attempt)), "createdAt": .string(RFC3339.format(createdAt)),
            "updatedAt": .string(RFC3339.format(updatedAt)), "statusUrl": .string(Self.statusPath(id)),
        ]
        if let result { object["result"] = result }
        if let error { object["error"] = .string(error) }
        if let callbackURL { object["callbackUrl"] = .string(callbackURL) }
        return .object(object)
    }

    /// The status URL path of event `id`: `/v1/events/` and the id percent-encoded as one path segment (every
    /// byte but unreserved ASCII letters, digits and `-._~`; `.` too when the id is `.` or `..`), so any id, even
    /// one with `/`, `?`, spaces or non-ASCII text, makes a valid `Location` that routes back to it.
    public static func statusPath(_ id: String) -> String {
        var allowed = CharacterSet(charactersIn: "-_~")
        allowed.formUnion(CharacterSet(charactersIn: "a"..."z"))
        allowed.formUnion(CharacterSet(charactersIn: "A"..."Z"))
        allowed.formUnion(CharacterSet(charactersIn: "0"..."9"))
        if id != ".", id != ".." { allowed.insert(".") }
        return "/v1/events/" + (id.addingPercentEncoding(withAllowedCharacters: allowed) ?? id)
    }
}

/// One status change in an event's history; `seq` is the SSE event id (`Last-Event-ID` resumes after it).
public struct StatusChange: Sendable, Hashable {
    /// Increasing across all events.
    public var seq: Int64
    /// The change.
    public var update: StatusUpdate
}
