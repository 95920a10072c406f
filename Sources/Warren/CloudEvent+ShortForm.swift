public import Foundation

extension CloudEvent {
    /// Turns the producer's short form into a full event.
    ///
    /// The short form is a JSON object `{"type": "...", "data": ..., "source"?: "...", "id"?: "..."}`; it may
    /// also carry `time`, `datacontenttype` and extension attributes (e.g. `callbackurl`, `traceparent`), or be a
    /// complete structured event. Missing `id` comes from `id` (a fresh lowercase UUID by default), `source`
    /// defaults to ``defaultSource``, `time` to `now`, `specversion` to 1.0; the result is then validated exactly
    /// like ``decode(_:)``. Pass `id` and `now` in tests for deterministic results.
    public static func normalize(
        shortForm bytes: some Collection<UInt8>,
        id: @autoclosure () -> String = UUID().uuidString.lowercased(),
        now: @autoclosure () -> Date = Date()
    ) throws(WarrenError) -> CloudEvent {
        guard case .object(let members) = try JSONValue.parse(bytes) else {
            throw .invalidEvent(reason: "expected a JSON object such as {\"type\": \"...\", \"data\": {...}}")
        }
        return try normalize(shortForm: members, id: id(), now: now())
    }

    /// Turns short-form members (already parsed) into a full event, exactly like the byte-taking overload.
    public static func normalize(
        shortForm members: [String: JSONValue],
        id: @autoclosure () -> String = UUID().uuidString.lowercased(),
        now: @autoclosure () -> Date = Date()
    ) throws(WarrenError) -> CloudEvent {
        var members = members
        if isAbsent(members["id"]) { members["id"] = .string(id()) }
        if isAbsent(members["source"]) { members["source"] = .string(defaultSource) }
        if isAbsent(members["time"]) { members["time"] = .string(RFC3339.format(now())) }
        if isAbsent(members["specversion"]) {
            members["specversion"] = .string(specVersion)
        }
        return try CloudEvent(validating: members)
    }

    /// Whether a short-form member is missing or `null`.
    private static func isAbsent(_ value: JSONValue?) -> Bool {
        guard let value else { return true }
        return value == .null
    }
}
