public import Foundation

/// Per-node control of a ``PrivateBroker`` started with `nodes > 1`: node k (1-based) is `warren<k>@localhost` on
/// AMQP port `port + k - 1`. Every call goes through scripts/broker, so it works whichever nodes are down.
extension PrivateBroker {
    // MARK: - Addresses

    /// The AMQP URL of node `node`.
    public func url(node: Int) -> String { "amqp://guest:guest@127.0.0.1:\(port + node - 1)/%2F" }

    /// Every node's URL, node 1 first.
    public var urls: [String] { (1...nodes).map { url(node: $0) } }

    /// Every node's URL starting with node `first`, comma-separated: the form `--amqp-url` takes, tried in turn.
    public func urlList(startingAt first: Int = 1) -> String {
        (0..<nodes).map { url(node: (first - 1 + $0) % nodes + 1) }.joined(separator: ",")
    }

    /// The Erlang node name of node `node`, as `rabbitmqctl` prints it.
    public func nodeName(_ node: Int) -> String { nodes == 1 ? "warren@localhost" : "warren\(node)@localhost" }

    /// The node index of an Erlang node name; nil when it is not one of ours.
    public func node(named name: String) -> Int? { (1...nodes).first { nodeName($0) == name } }

    // MARK: - Processes

    /// Node `node`'s `beam.smp` process id (for kill -9, SIGSTOP, SIGTERM).
    public func pid(node: Int) async throws -> Int32 {
        guard let pid = Int32(try await script(["pid", "--node", "\(node)"])) else {
            throw BrokerScriptError(message: "no pid for node \(node)")
        }
        return pid
    }

    /// Starts node `node` again after kill -9 or a stop, keeping its data; returns once it runs.
    public func restartNode(_ node: Int) async throws {
        try await script(["restart-node", "--node", "\(node)"])
    }

    /// Stops node `node` gracefully (SIGTERM to its VM) and waits until its process is gone.
    public func stopNode(_ node: Int, timeout: Duration = .seconds(30)) async throws {
        let pid = try await pid(node: node)
        kill(pid, SIGCONT)  // a paused VM cannot stop
        kill(pid, SIGTERM)
        guard await eventually(timeout: timeout, { kill(pid, 0) != 0 }) else {
            throw BrokerScriptError(message: "node \(node) (pid \(pid)) did not stop within \(timeout)")
        }
    }

    /// Runs `rabbitmqctl` against node `node` (which must be up and not paused, or the call waits for it).
    public func ctl(node: Int, _ arguments: [String]) async throws -> String {
        try await script(["ctl", "--node", "\(node)", "--"] + arguments)
    }

    // MARK: - State

    /// Each node's state as scripts/broker sees it: `up`, `paused` or `down`.
    public func nodeStates() async throws -> [Int: String] {
        let output = try await scriptResult(["status"]).stdout
        var states: [Int: String] = [:]
        for line in output.split(separator: "\n") {
            let words = line.split(separator: " ")
            guard words.count > 1, let node = node(named: String(words[0])) else { continue }
            states[node] = String(words[1])
        }
        return states
    }

    /// How many nodes node `node` sees running in the cluster; nil when it cannot be asked.
    public func runningNodes(seenFrom node: Int) async -> Int? {
        Int((try? await ctl(node: node, ["-q", "eval", "length(rabbit_nodes:all_running())."])) ?? "")
    }

    /// Brings the cluster back to every node running: SIGCONT to a paused node, restart-node for a stopped or
    /// killed one (after its old process is gone), then waits until node 1 sees all of them running.
    public func heal(timeout: Duration = .seconds(120)) async throws {
        for (node, state) in try await nodeStates().sorted(by: { $0.key < $1.key }) where state != "up" {
            if state == "paused", let pid = try? await pid(node: node) {
                kill(pid, SIGCONT)
                continue
            }
            _ = await eventually(timeout: .seconds(30)) {
                (try? await scriptResult(["pid", "--node", "\(node)"]))?.status != 0
            }
            try await restartNode(node)
        }
        let healthy = await eventually(timeout: timeout) {
            let states = try? await nodeStates()
            guard let states, states.values.allSatisfy({ $0 == "up" }) else { return false }
            return await runningNodes(seenFrom: 1) == nodes
        }
        guard healthy else {
            throw BrokerScriptError(message: "the cluster did not heal within \(timeout): \(try await nodeStates())")
        }
    }

    // MARK: - Queues and connections

    /// The node index of the leader of quorum queue `queue` (vhost `/`), asked of node `askingNode`; nil when
    /// there is no leader or the node cannot answer.
    public func leader(ofQueue queue: String, askingNode: Int) async -> Int? {
        guard
            let output = try? await ctl(
                node: askingNode, ["-q", "-t", "5", "list_queues", "name", "leader", "--formatter", "json"]),
            let rows = try? JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]],
            let row = rows.first(where: { $0["name"] as? String == queue }), let leader = row["leader"] as? String
        else { return nil }
        return node(named: leader)
    }

    /// When a node's log says it became the leader of quorum queue `queue` (vhost `/`) in a term after `term`:
    /// the earliest such moment, or nil. Read from the node logs, so it works while `rabbitmqctl` cannot answer
    /// (a paused node holds up cluster-wide calls such as `list_queues` until it resumes).
    public func leaderElected(ofQueue queue: String, afterTerm term: Int) -> Date? {
        let marker = "queue '\(queue)' in vhost '/': candidate -> leader in term: "
        var earliest: Date?
        for node in 1...nodes {
            let path = "\(state)/node\(node)/log/\(nodeName(node)).log"
            guard let log = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            for line in log.split(separator: "\n") where line.contains(marker) {
                guard let range = line.range(of: marker),
                    let elected = Int(line[range.upperBound...].prefix { $0.isNumber }), elected > term,
                    let at = Self.logTime(line)
                else { continue }
                earliest = min(earliest ?? at, at)
            }
        }
        return earliest
    }

    /// The time at the start of a RabbitMQ log line, `2026-12-02 01:11:22.553104+00:00 [info] …`.
    private static func logTime(_ line: Substring) -> Date? {
        let stamp = line.prefix(32)
        guard stamp.count == 32, let dot = stamp.firstIndex(of: ".") else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ssxxx"
        let fraction = stamp[dot..<stamp.index(dot, offsetBy: 7)]
        guard let whole = formatter.date(from: String(stamp[..<dot] + stamp[stamp.index(dot, offsetBy: 7)...])),
            let seconds = Double("0" + fraction)
        else { return nil }
        return whole.addingTimeInterval(seconds)
    }

    /// The node indexes the connections named `connectionName` (the client property `connection_name`) are
    /// open on, asked of node `askingNode`.
    public func nodes(ofConnectionNamed connectionName: String, askingNode: Int) async throws -> [Int] {
        let output = try await ctl(
            node: askingNode, ["-q", "list_connections", "port", "client_properties", "--formatter", "json"])
        let rows = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]] ?? []
        return rows.compactMap { row in
            // client_properties: [[key, type, value], …]
            let properties = row["client_properties"] as? [[Any]] ?? []
            let name = properties.first { $0.first as? String == "connection_name" }?.last as? String
            guard let port = row["port"] as? Int, name == connectionName else { return nil }
            return port - self.port + 1
        }
    }
}
