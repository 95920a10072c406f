import Foundation

/// Parses the duration lists of the command line: `1s,5s,30s`, `200ms,400ms`, `1.5s`, `2m`; a bare number is
/// milliseconds.
///
/// Stateless; pure.
public enum DurationList {
    /// Parses a comma-separated list; throws a one-line reason for an empty list or a malformed item.
    public static func parse(_ text: String) throws(ConsumerError) -> [Duration] {
        let items = text.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard !items.isEmpty, !items.contains(where: \.isEmpty) else {
            throw ConsumerError.invalidConfiguration(
                "retry delays \"\(text)\" must be a comma-separated list such as 1s,5s,30s")
        }
        return try items.map { item throws(ConsumerError) in try parseOne(item) }
    }

    /// Parses one duration: a number followed by `ms`, `s` or `m`, or a bare number of milliseconds.
    public static func parseOne(_ item: String) throws(ConsumerError) -> Duration {
        let units: [(String, Double)] = [("ms", 1), ("s", 1000), ("m", 60_000)]
        var number = item
        var scale = 1.0
        for (suffix, factor) in units where item.hasSuffix(suffix) {
            number = String(item.dropLast(suffix.count))
            scale = factor
            break
        }
        guard let value = Double(number), value.isFinite, value > 0 else {
            throw ConsumerError.invalidConfiguration("duration \"\(item)\" is not a positive number with ms, s or m")
        }
        return .milliseconds(Int64((value * scale).rounded()))
    }
}
