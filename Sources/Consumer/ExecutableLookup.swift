import Foundation

/// Finds a program the way `posix_spawnp` does: a name with a `/` is used as it is, a bare name is looked up in
/// `PATH`. Stateless; reads the process environment's `PATH` (executables only call it at start).
enum ExecutableLookup {
    /// The path of an executable regular file for `program`, or nil.
    static func resolve(_ program: String, path: String? = ProcessInfo.processInfo.environment["PATH"]) -> String? {
        guard !program.isEmpty else { return nil }
        if program.contains("/") { return isExecutable(program) ? program : nil }
        let directories = (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":")
        for directory in directories {
            let candidate = "\(directory)/\(program)"
            if isExecutable(candidate) { return candidate }
        }
        return nil
    }

    private static func isExecutable(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
            && FileManager.default.isExecutableFile(atPath: path)
    }
}
