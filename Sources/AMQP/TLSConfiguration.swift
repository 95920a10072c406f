/// TLS settings for `amqps://` endpoints.
///
/// Peer and host name verification are on by default and the minimum protocol is TLS 1.2. rabbitmq-c 0.11 does
/// not load the system CA store, so set ``caFile`` to verify a broker; its host name check ignores IP address SANs,
/// so connect by DNS name (e.g. `localhost`). A value type; `Sendable`.
public struct TLSConfiguration: Sendable, Hashable {
    /// PEM file of the CA(s) that signed the broker's certificate.
    public var caFile: String?
    /// PEM client certificate, for brokers that ask for one.
    public var certificateFile: String?
    /// PEM private key of the client certificate.
    public var keyFile: String?
    /// Verify the broker's certificate chain (default `true`).
    public var verifyPeer: Bool = true
    /// Verify that the certificate names the host connected to (default `true`).
    public var verifyHostname: Bool = true

    /// Creates a TLS configuration; every check is on unless turned off.
    public init(
        caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil,
        verifyPeer: Bool = true, verifyHostname: Bool = true
    ) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.verifyPeer = verifyPeer
        self.verifyHostname = verifyHostname
    }
}
