public import Warren

/// Routes events to handlers by CloudEvent `type`, with an optional fallback for every other type.
///
/// A value type; `Sendable`; built once at start, read concurrently.
public struct HandlerRegistry: Sendable {
    private var handlers: [String: any EventHandler] = [:]
    private var fallback: (any EventHandler)?

    /// An empty registry: every event is "unknown type".
    public init() {}

    /// Routes `type` to `handler` (replacing an earlier registration).
    public mutating func register(_ handler: any EventHandler, for type: String) {
        handlers[type] = handler
    }

    /// Routes every type without a registration to `handler`.
    public mutating func registerFallback(_ handler: any EventHandler) {
        fallback = handler
    }

    /// The handler for `type`, or nil (the event is dead-lettered as an unknown type).
    public func handler(for type: String) -> (any EventHandler)? {
        handlers[type] ?? fallback
    }

    /// The built-in `demo.work` handler plus, when configured, the `--exec` handler for its types (or as the
    /// fallback). Types listed for exec win over built-ins.
    public static func standard(exec: ExecConfiguration?, concurrency: Int) -> HandlerRegistry {
        var registry = HandlerRegistry()
        registry.register(DemoWorkHandler(), for: DemoWorkHandler.type)
        if let exec {
            let handler = ExecHandler(configuration: exec, limit: concurrency)
            if let types = exec.types {
                for type in types { registry.register(handler, for: type) }
            } else {
                registry.registerFallback(handler)
            }
        }
        return registry
    }
}
