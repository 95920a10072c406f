public import Warren

/// The data of a `demo.work` event: `{"sleep_ms": N, "fail_times": K, "result": any}`, every member optional.
///
/// A value type; `Sendable`; parsing is pure.
public struct DemoWorkRequest: Sendable, Hashable {
    /// The longest sleep accepted: an hour.
    public static let maximumSleepMilliseconds = 3_600_000

    /// How long to wait, standing in for a slow third party.
    public var sleepMilliseconds: Int
    /// Attempts 1 … `failTimes` fail retryably.
    public var failTimes: Int
    /// Copied into the handler's result.
    public var result: JSONValue?

    /// Reads the event's data; absent data means all defaults. Throws a permanent ``HandlerFailure`` that names
    /// the member at fault.
    public static func parse(_ data: JSONValue?) throws(HandlerFailure) -> DemoWorkRequest {
        guard let data else { return DemoWorkRequest(sleepMilliseconds: 0, failTimes: 0, result: nil) }
        guard case .object(let members) = data else {
            throw .permanent(reason: "demo.work data must be a JSON object such as {\"sleep_ms\": 20}")
        }
        let sleep = try integer("sleep_ms", in: members, maximum: maximumSleepMilliseconds)
        let failTimes = try integer("fail_times", in: members, maximum: 1000)
        return DemoWorkRequest(sleepMilliseconds: sleep, failTimes: failTimes, result: members["result"])
    }

    private static func integer(
        _ name: String, in members: [String: JSONValue], maximum: Int
    ) throws(HandlerFailure) -> Int {
        guard let value = members[name], value != .null else { return 0 }
        guard case .number(let number) = value, number.rounded() == number, number >= 0,
            number <= Double(maximum)
        else {
            throw .permanent(reason: "demo.work \"\(name)\" must be an integer from 0 to \(maximum)")
        }
        return Int(number)
    }
}
