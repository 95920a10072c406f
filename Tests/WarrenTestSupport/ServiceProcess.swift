import Foundation
public import WarrenProcess

/// One of the project's own executables (`producer`, `consumer`, `warren`) running as a real child process
/// (``ChildProcess``: clean signal mask, output to a log file, real signals).
public enum ServiceProcess {
    /// The directory holding the built executables: `$WARREN_BIN_DIR`, else the test bundle's own directory
    /// (SwiftPM puts products and the test runner side by side).
    public static var binDirectory: String {
        if let dir = ProcessInfo.processInfo.environment["WARREN_BIN_DIR"], !dir.isEmpty { return dir }
        let exe =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: exe).deletingLastPathComponent().path
    }

    /// Starts `product` from ``binDirectory``; see ``ChildProcess/init(path:arguments:environment:logPath:)``.
    /// `WARREN_DRAIN_DELAY` is 0 unless `environment` sets it.
    public static func start(
        _ product: String, arguments: [String], environment: [String: String?] = [:], logPath: String? = nil
    ) throws -> ChildProcess {
        let path = "\(binDirectory)/\(product)"
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw BrokerScriptError(message: "\(path) is not built; run swift build first")
        }
        let log =
            logPath
            ?? FileManager.default.temporaryDirectory.appendingPathComponent(
                "warren-\(product)-\(UUID().uuidString.prefix(8)).log"
            ).path
        // No drain delay unless a test asks for one: every stop would otherwise take 5 s more.
        var environment = environment
        if environment["WARREN_DRAIN_DELAY"] == nil { environment["WARREN_DRAIN_DELAY"] = "0" }
        return try ChildProcess(path: path, arguments: arguments, environment: environment, logPath: log)
    }
}

/// A TCP port on 127.0.0.1 that was free a moment ago (bound to 0, read back, closed).
public func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}
