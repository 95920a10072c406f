internal import CRabbitMQ
import Foundation
import Glibc
import DequeModule
import Logging
import Synchronization

extension IOLoop {
    /// Tries every endpoint once, starting with the one after the last that worked. I/O thread only.
    func connectToAnyEndpoint() throws {
        var lastError = AMQPError.invalidConfiguration("no endpoint configured")
        let endpoints = configuration.endpoints
        for offset in 0..<endpoints.count {
            let index = (endpointIndex + offset) % endpoints.count
            let endpoint = endpoints[index]
            do {
                let opened = try open(endpoint)
                conn = opened
                // The broker may lower the heartbeat asked for: poll at the negotiated one.
                heartbeatSeconds = Int(amqp_get_heartbeat(opened))
                endpointIndex = index
                currentEndpoint.withLock { $0 = endpoint }
                connected.store(true, ordering: .relaxed)
                blocked.store(false, ordering: .relaxed)
                connectedAt = Self.monotonicNanoseconds()
                writeBudget = 0
                socketFull = false
                logger.info("AMQP connection open", metadata: ["amqp.endpoint": "\(endpoint)"])
                return
            } catch {
                lastError = error
                logger.debug(
                    "AMQP connect failed", metadata: ["amqp.endpoint": "\(endpoint)", "error": "\(error)"])
            }
        }
        // Next round starts with the endpoint after the first one tried.
        endpointIndex = (endpointIndex + 1) % endpoints.count
        throw lastError
    }

    /// Opens the socket, does the handshake and returns the connection state; frees it on every failure.
    private func open(_ endpoint: Endpoint) throws(AMQPError) -> amqp_connection_state_t {
        guard let state = amqp_new_connection() else {
            throw .library(status: AMQP_STATUS_NO_MEMORY.rawValue, message: "out of memory")
        }
        do {
            try connectSocket(state, endpoint)
            try login(state, endpoint)
            return state
        } catch {
            amqp_destroy_connection(state)
            throw error
        }
    }

    private func connectSocket(_ state: amqp_connection_state_t, _ endpoint: Endpoint) throws(AMQPError) {
        let socket: OpaquePointer?
        if endpoint.tls {
            socket = amqp_ssl_socket_new(state)
            guard let socket else { throw .tlsFailed(endpoint: endpoint.hostPort, reason: "cannot create TLS socket") }
            let tls = endpoint.tlsOptions ?? configuration.tls
            if let ca = tls.caFile, amqp_ssl_socket_set_cacert(socket, ca) != AMQP_STATUS_OK.rawValue {
                throw .tlsFailed(endpoint: endpoint.hostPort, reason: "cannot read CA file \(ca)")
            }
            if let cert = tls.certificateFile, let key = tls.keyFile,
                amqp_ssl_socket_set_key(socket, cert, key) != AMQP_STATUS_OK.rawValue
            {
                throw .tlsFailed(endpoint: endpoint.hostPort, reason: "cannot read client certificate \(cert) or key")
            }
            amqp_ssl_socket_set_verify_peer(socket, tls.verifyPeer ? 1 : 0)
            amqp_ssl_socket_set_verify_hostname(socket, tls.verifyHostname ? 1 : 0)
            let rc = amqp_ssl_socket_set_ssl_versions(socket, AMQP_TLSv1_2, AMQP_TLSvLATEST)
            if rc != AMQP_STATUS_OK.rawValue {
                throw .tlsFailed(endpoint: endpoint.hostPort, reason: "cannot require TLS 1.2 or later")
            }
        } else {
            socket = amqp_tcp_socket_new(state)
        }
        guard let socket else {
            throw .library(status: AMQP_STATUS_NO_MEMORY.rawValue, message: "cannot create socket")
        }
        var timeout = Self.cTimeval(endpoint.connectionTimeout ?? configuration.connectTimeout)
        let rc = amqp_socket_open_noblock(socket, endpoint.host, Int32(endpoint.port), &timeout)
        guard rc == AMQP_STATUS_OK.rawValue else {
            let reason = Self.statusText(rc)
            if Self.isTLSStatus(rc) { throw .tlsFailed(endpoint: endpoint.hostPort, reason: reason) }
            throw .connectionFailed(endpoint: endpoint.hostPort, reason: reason)
        }
    }

    private func login(_ state: amqp_connection_state_t, _ endpoint: Endpoint) throws(AMQPError) {
        var handshake = Self.cTimeval(configuration.handshakeTimeout)
        _ = amqp_set_handshake_timeout(state, &handshake)
        var rpc = Self.cTimeval(configuration.rpcTimeout)
        _ = amqp_set_rpc_timeout(state, &rpc)
        let heartbeat = endpoint.heartbeat ?? configuration.heartbeat
        heartbeatSeconds = Int(Backoff.seconds(heartbeat).rounded())
        var clientProperties = scratch.table(clientPropertiesTable())
        defer { scratch.reset() }
        let reply = crabbitmq_login_plain(
            state, endpoint.vhost, Int32(endpoint.channelMax ?? 0), Int32(endpoint.frameMax ?? 131_072),
            Int32(heartbeatSeconds), &clientProperties, endpoint.user, endpoint.password)
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            return
        case AMQP_RESPONSE_SERVER_EXCEPTION where reply.reply.id == MethodID.connectionClose:
            let close = reply.reply.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
            if close.reply_code == 403 { throw .authenticationFailed(endpoint: endpoint.hostPort) }
            throw .connectionClosed(code: close.reply_code, text: CDecoding.string(close.reply_text))
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            let status = reply.library_error
            if Self.isTLSStatus(status) {
                throw .tlsFailed(endpoint: endpoint.hostPort, reason: Self.statusText(status))
            }
            if status == AMQP_STATUS_CONNECTION_CLOSED.rawValue || status == AMQP_STATUS_SOCKET_CLOSED.rawValue {
                // RabbitMQ closes the socket on bad credentials when the client cannot be told otherwise.
                throw .connectionFailed(
                    endpoint: endpoint.hostPort,
                    reason: "the broker closed the connection during the handshake (wrong credentials or vhost?)")
            }
            throw .connectionFailed(endpoint: endpoint.hostPort, reason: "handshake failed: \(Self.statusText(status))")
        default:
            throw .connectionFailed(endpoint: endpoint.hostPort, reason: "unexpected reply during the handshake")
        }
    }

    private func clientPropertiesTable() -> FieldTable {
        var properties: FieldTable = [
            "product": "warren-amqp",
            "platform": "Swift",
            "capabilities": [
                "publisher_confirms": true,
                "exchange_exchange_bindings": true,
                "basic.nack": true,
                "consumer_cancel_notify": true,
                "connection.blocked": true,
                "authentication_failure_close": true,
                "per_consumer_qos": true,
            ],
        ]
        if let name = configuration.connectionName { properties["connection_name"] = .string(name) }
        return properties
    }

    // MARK: - Status helpers

    /// The one place a rabbitmq-c status becomes an ``AMQPError`` for an established connection.
    static func lossError(_ status: Int32) -> AMQPError {
        .connectionLost(reason: statusText(status))
    }

    static func statusText(_ status: Int32) -> String {
        guard let text = amqp_error_string2(status) else { return "status \(status)" }
        return String(cString: text)
    }

    static func isTLSStatus(_ status: Int32) -> Bool {
        status == AMQP_STATUS_SSL_ERROR.rawValue || status == AMQP_STATUS_SSL_HOSTNAME_VERIFY_FAILED.rawValue
            || status == AMQP_STATUS_SSL_PEER_VERIFY_FAILED.rawValue
            || status == AMQP_STATUS_SSL_CONNECTION_FAILED.rawValue
    }

    static func cTimeval(_ duration: Duration) -> Glibc.timeval {
        let (seconds, attoseconds) = duration.components
        return Glibc.timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    }
}

/// AMQP 0-9-1 method numbers (class << 16 | method); rabbitmq-c's macros carry casts Swift cannot import.
enum MethodID {
    static let connectionClose: UInt32 = 0x000A_0032
    static let connectionCloseOK: UInt32 = 0x000A_0033
    static let connectionBlocked: UInt32 = 0x000A_003C
    static let connectionUnblocked: UInt32 = 0x000A_003D
    static let channelOpen: UInt32 = 0x0014_000A
    static let channelOpenOK: UInt32 = 0x0014_000B
    static let channelFlow: UInt32 = 0x0014_0014
    static let channelFlowOK: UInt32 = 0x0014_0015
    static let channelClose: UInt32 = 0x0014_0028
    static let channelCloseOK: UInt32 = 0x0014_0029
    static let exchangeDeclare: UInt32 = 0x0028_000A
    static let exchangeDeclareOK: UInt32 = 0x0028_000B
    static let exchangeDelete: UInt32 = 0x0028_0014
    static let exchangeDeleteOK: UInt32 = 0x0028_0015
    static let queueDeclare: UInt32 = 0x0032_000A
    static let queueDeclareOK: UInt32 = 0x0032_000B
    static let queueBind: UInt32 = 0x0032_0014
    static let queueBindOK: UInt32 = 0x0032_0015
    static let queuePurge: UInt32 = 0x0032_001E
    static let queuePurgeOK: UInt32 = 0x0032_001F
    static let queueDelete: UInt32 = 0x0032_0028
    static let queueDeleteOK: UInt32 = 0x0032_0029
    static let queueUnbind: UInt32 = 0x0032_0032
    static let queueUnbindOK: UInt32 = 0x0032_0033
    static let basicQos: UInt32 = 0x003C_000A
    static let basicQosOK: UInt32 = 0x003C_000B
    static let basicConsume: UInt32 = 0x003C_0014
    static let basicConsumeOK: UInt32 = 0x003C_0015
    static let basicCancel: UInt32 = 0x003C_001E
    static let basicCancelOK: UInt32 = 0x003C_001F
    static let basicReturn: UInt32 = 0x003C_0032
    static let basicDeliver: UInt32 = 0x003C_003C
    static let basicAck: UInt32 = 0x003C_0050
    static let basicNack: UInt32 = 0x003C_0078
    static let confirmSelect: UInt32 = 0x0055_000A
    static let confirmSelectOK: UInt32 = 0x0055_000B
}
