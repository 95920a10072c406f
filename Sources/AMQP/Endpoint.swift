import Foundation

/// One broker address parsed from an AMQP URI (`amqp://user:pass@host:port/vhost?heartbeat=10`).
///
/// Follows the RabbitMQ URI specification: `amqp` defaults to port 5672 and `amqps` to 5671; user, password and
/// vhost are percent-decoded (`%2F` is the default vhost `/`); a missing path means vhost `/`. Query parameters
/// understood: `heartbeat` (seconds), `connection_timeout` (milliseconds), `channel_max`, `frame_max`, and for
/// `amqps`: `cacertfile`, `certfile`, `keyfile`, `verify` (`verify_peer` or `verify_none`),
/// `server_name_indication` (`disable` turns off host name checking).
///
/// A value type with no lifecycle; `Sendable`. `description` redacts the password.
public struct Endpoint: Sendable, Hashable {
    /// Whether the endpoint uses TLS (`amqps`).
    public var tls: Bool
    /// Host name or IP address.
    public var host: String
    /// TCP port.
    public var port: Int
    /// User name (default `guest`).
    public var user: String
    /// Password (default `guest`). Never printed.
    public var password: String
    /// Virtual host (default `/`).
    public var vhost: String
    /// Heartbeat from the URI query, overriding the configuration's.
    public var heartbeat: Duration?
    /// Connect timeout from the URI query, overriding the configuration's.
    public var connectionTimeout: Duration?
    /// `channel_max` from the query (0 = broker's limit).
    public var channelMax: Int?
    /// `frame_max` from the query.
    public var frameMax: Int?
    /// TLS settings from the query (`amqps` only).
    public var tlsOptions: TLSConfiguration?

    /// Creates an endpoint from its parts.
    public init(
        host: String = "127.0.0.1", port: Int? = nil, user: String = "guest", password: String = "guest",
        vhost: String = "/", tls: Bool = false
    ) {
        self.tls = tls
        self.host = host
        self.port = port ?? (tls ? 5671 : 5672)
        self.user = user
        self.password = password
        self.vhost = vhost
    }

    /// Parses an AMQP URI. Throws ``AMQPError/invalidConfiguration(_:)`` with a reason that never repeats the
    /// password.
    public init(url: String) throws {
        let trimmed = url.trimmingCharacters(in: .whitespaces)
        guard let schemeEnd = trimmed.range(of: "://") else {
            throw AMQPError.invalidConfiguration("not an AMQP URL (expected amqp://… or amqps://…)")
        }
        let scheme = trimmed[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "amqp" || scheme == "amqps" else {
            throw AMQPError.invalidConfiguration("unsupported URL scheme '\(scheme)' (expected amqp or amqps)")
        }
        tls = scheme == "amqps"
        var rest = trimmed[schemeEnd.upperBound...]
        // The user information first, up to the last '@': a password with an unencoded '/', '?' or ':' then stays
        // in the password (and out of every error message) instead of being read as a path, query or port.
        user = "guest"
        password = "guest"
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                user = try Self.decode(userInfo[..<colon], what: "user")
                password = try Self.decode(userInfo[userInfo.index(after: colon)...], what: "password")
            } else {
                user = try Self.decode(userInfo, what: "user")
            }
        }
        var query = Substring("")
        if let q = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: q)...]
            rest = rest[..<q]
        }
        var path: Substring?
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        let hostPort = rest
        var portText: Substring?
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else {
                throw AMQPError.invalidConfiguration("unterminated IPv6 address in URL")
            }
            host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            let after = hostPort[hostPort.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() }
        } else if let colon = hostPort.lastIndex(of: ":") {
            host = try Self.decode(hostPort[..<colon], what: "host")
            portText = hostPort[hostPort.index(after: colon)...]
        } else {
            host = try Self.decode(hostPort, what: "host")
        }
        if host.isEmpty { host = "localhost" }
        if let portText, !portText.isEmpty {
            guard let value = Int(portText), (1...65535).contains(value) else {
                throw AMQPError.invalidConfiguration("invalid port '\(portText)' (expected 1-65535)")
            }
            port = value
        } else {
            port = tls ? 5671 : 5672
        }
        if let path, !path.isEmpty {
            guard !path.contains("/") else {
                throw AMQPError.invalidConfiguration("the vhost must be percent-encoded (use %2F for '/')")
            }
            vhost = try Self.decode(path, what: "vhost")
        } else {
            vhost = "/"
        }
        try applyQuery(query)
    }

    private mutating func applyQuery(_ query: Substring) throws {
        var tlsOptions = TLSConfiguration()
        var sawTLSOption = false
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(parts[0])
            let value = parts.count > 1 ? try Self.decode(parts[1], what: key) : ""
            switch key {
            case "heartbeat":
                heartbeat = .seconds(try Self.integer(value, key: key, range: 0...3600))
            case "connection_timeout":
                connectionTimeout = .milliseconds(try Self.integer(value, key: key, range: 1...3_600_000))
            case "channel_max":
                channelMax = try Self.integer(value, key: key, range: 0...65535)
            case "frame_max":
                frameMax = try Self.integer(value, key: key, range: 4096...1_048_576)
            case "cacertfile":
                tlsOptions.caFile = value
                sawTLSOption = true
            case "certfile":
                tlsOptions.certificateFile = value
                sawTLSOption = true
            case "keyfile":
                tlsOptions.keyFile = value
                sawTLSOption = true
            case "verify":
                guard value == "verify_peer" || value == "verify_none" else {
                    throw AMQPError.invalidConfiguration("verify must be verify_peer or verify_none")
                }
                tlsOptions.verifyPeer = value == "verify_peer"
                sawTLSOption = true
            case "server_name_indication":
                if value == "disable" { tlsOptions.verifyHostname = false }
                sawTLSOption = true
            default:
                throw AMQPError.invalidConfiguration("unknown URL query parameter '\(key)'")
            }
        }
        if sawTLSOption {
            guard tls else {
                throw AMQPError.invalidConfiguration("TLS options need an amqps:// URL")
            }
            self.tlsOptions = tlsOptions
        }
    }

    private static func integer(_ text: String, key: String, range: ClosedRange<Int>) throws -> Int {
        guard let value = Int(text), range.contains(value) else {
            throw AMQPError.invalidConfiguration(
                "invalid \(key) '\(text)' (expected \(range.lowerBound)-\(range.upperBound))")
        }
        return value
    }

    private static func decode(_ text: Substring, what: String) throws -> String {
        guard let decoded = String(text).removingPercentEncoding else {
            throw AMQPError.invalidConfiguration("invalid percent-encoding in the \(what)")
        }
        return decoded
    }

    /// Parses a comma-separated list of AMQP URIs (as in `AMQP_URL=amqp://a,amqp://b`).
    public static func list(_ urls: String) throws -> [Endpoint] {
        let parts = urls.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !parts.isEmpty else { throw AMQPError.invalidConfiguration("no AMQP URL given") }
        return try parts.map { try Endpoint(url: $0) }
    }

    /// `host:port` with IPv6 brackets, for messages.
    public var hostPort: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

extension Endpoint: CustomStringConvertible {
    /// The URL with the password replaced by `***`.
    public var description: String {
        let encodedVhost = vhost.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? vhost
        return "\(tls ? "amqps" : "amqp")://\(user):***@\(hostPort)/\(encodedVhost)"
    }
}
