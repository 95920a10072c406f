import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A TCP proxy on 127.0.0.1 that a test puts between services and the broker to cut the network without
/// touching either side's process: ``cut()`` makes it a black hole (bytes in both directions are dropped, sockets
/// stay open, new connections are accepted and never answered, as behind a dead router), ``heal()`` forwards again.
///
/// Healing closes every connection that lived through the cut: their byte streams lost data, which the peers would
/// also discover (by heartbeat) on a real network. ``stallUpstream()`` models a broker that stops reading (a
/// resource alarm, credit flow): the proxy stops reading what clients send, so their socket buffers fill while the
/// TCP connections stay open and the broker's frames still reach them. `Sendable`; every method may be called from
/// any task.
public final class TCPProxy: Sendable {
    /// The port clients connect to.
    public let port: Int
    private let server: any Channel
    private let state: NIOLockedValueBox<State>

    private struct State {
        var isCut = false
        var connections: [ObjectIdentifier: any Channel] = [:]
        /// The client-side channels, for ``stallUpstream()``.
        var inbound: [ObjectIdentifier: any Channel] = [:]
        var stalled = false
    }

    private init(port: Int, server: any Channel, state: NIOLockedValueBox<State>) {
        self.port = port
        self.server = server
        self.state = state
    }

    /// Listens on a free loopback port and forwards each connection to `127.0.0.1:targetPort`.
    public static func start(targetPort: Int) async throws -> TCPProxy {
        let state = NIOLockedValueBox(State())
        let group = MultiThreadedEventLoopGroup.singleton
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.autoRead, value: false)
            .childChannelInitializer { inbound in
                connect(inbound, to: targetPort, group: group, state: state)
                return inbound.eventLoop.makeSucceededVoidFuture()
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return TCPProxy(port: server.localAddress?.port ?? 0, server: server, state: state)
    }

    /// Connects the outbound side, then starts reading the inbound side (nothing is read before both exist).
    private static func connect(
        _ inbound: any Channel, to targetPort: Int, group: any EventLoopGroup, state: NIOLockedValueBox<State>
    ) {
        let isCut: @Sendable () -> Bool = { state.withLockedValue { $0.isCut } }
        ClientBootstrap(group: group)
            .channelInitializer { outbound in
                outbound.eventLoop.makeCompletedFuture {
                    try outbound.pipeline.syncOperations.addHandler(Relay(partner: inbound, isCut: isCut))
                }
            }
            .connect(host: "127.0.0.1", port: targetPort)
            .whenComplete { result in
                switch result {
                case .success(let outbound):
                    state.withLockedValue {
                        $0.connections[ObjectIdentifier(inbound)] = inbound
                        $0.connections[ObjectIdentifier(outbound)] = outbound
                        $0.inbound[ObjectIdentifier(inbound)] = inbound
                    }
                    for channel in [inbound, outbound] {
                        channel.closeFuture.whenComplete { _ in
                            state.withLockedValue {
                                _ = $0.connections.removeValue(forKey: ObjectIdentifier(channel))
                                _ = $0.inbound.removeValue(forKey: ObjectIdentifier(channel))
                            }
                        }
                    }
                    inbound.eventLoop.execute {
                        do {
                            try inbound.pipeline.syncOperations.addHandler(Relay(partner: outbound, isCut: isCut))
                            if !state.withLockedValue({ $0.stalled }) {
                                inbound.read()
                                _ = inbound.setOption(.autoRead, value: true)
                            }
                        } catch {
                            inbound.close(promise: nil)
                        }
                    }
                case .failure:
                    inbound.close(promise: nil)
                }
            }
    }

    /// Drops all traffic from now on (both directions, existing and new connections) until ``heal()``.
    public func cut() {
        state.withLockedValue { $0.isCut = true }
    }

    /// Forwards again; closes the connections that were open during the cut (their streams lost bytes).
    public func heal() {
        let broken = state.withLockedValue {
            $0.isCut = false
            return Array($0.connections.values)
        }
        for channel in broken { channel.close(promise: nil) }
    }

    /// Stops reading from the clients (existing and new connections) until ``resumeUpstream()``: what they send
    /// piles up in their socket buffers, as in front of a broker that stopped reading. The other direction flows.
    public func stallUpstream() {
        let inbound = state.withLockedValue {
            $0.stalled = true
            return Array($0.inbound.values)
        }
        for channel in inbound { _ = channel.setOption(.autoRead, value: false) }
    }

    /// Reads from the clients again after ``stallUpstream()``.
    public func resumeUpstream() {
        let inbound = state.withLockedValue {
            $0.stalled = false
            return Array($0.inbound.values)
        }
        for channel in inbound {
            _ = channel.setOption(.autoRead, value: true)
            channel.read()
        }
    }

    /// Stops listening and closes every connection.
    public func stop() async {
        let all = state.withLockedValue { Array($0.connections.values) }
        for channel in all { channel.close(promise: nil) }
        try? await server.close()
    }
}

/// Copies what one side reads to its partner, unless the proxy is cut; closes the partner when its side closes.
private final class Relay: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let partner: any Channel
    private let isCut: @Sendable () -> Bool

    init(partner: any Channel, isCut: @escaping @Sendable () -> Bool) {
        self.partner = partner
        self.isCut = isCut
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !isCut() else { return }
        partner.writeAndFlush(unwrapInboundIn(data), promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        partner.close(promise: nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
