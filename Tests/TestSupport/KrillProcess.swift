import Foundation

/// The result of running the built `krill` binary.
public struct KrillResult {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

/// Runs the built `krill` executable the way a user would, for end-to-end tests.
public enum KrillProcess {
    /// The binary: `$KRILL_BINARY`, else `krill` beside the running test bundle (SwiftPM puts
    /// products and test bundles in one folder, e.g. `.build/debug/`).
    public static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["KRILL_BINARY"] { return URL(fileURLWithPath: path) }
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("krill")
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDir), !isDir.boolValue {
                return candidate
            }
            folder = folder.deletingLastPathComponent()
        }
        return Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("krill")
    }

    /// Runs `krill arguments...` in `directory`, waiting for it to end.
    @discardableResult
    public static func run(_ arguments: [String], in directory: URL? = nil,
                           environment: [String: String] = [:]) throws -> KrillResult {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes concurrently so a chatty child cannot block on a full pipe.
        var errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return KrillResult(status: process.terminationStatus,
                           stdout: String(decoding: outData, as: UTF8.self),
                           stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// Every regular file under `root` (relative path -> bytes), for comparing whole trees.
public func treeContents(_ root: URL) throws -> [String: Data] {
    var out: [String: Data] = [:]
    let base = root.resolvingSymlinksInPath().path
    guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else {
        return out
    }
    for case let url as URL in walker {
        guard (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true else { continue }
        let full = url.resolvingSymlinksInPath().path
        out[String(full.dropFirst(base.count + 1))] = try Data(contentsOf: url)
    }
    return out
}
