import Foundation
import Pipeline

/// The result of running the built `krill` binary.
public struct KrillResult {
    public let status: Int32
    public let stdout: String
    public let stderr: String

    public init(status: Int32, stdout: String, stderr: String) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }
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
                           environment: [String: String] = [:], executable: URL? = nil) throws -> KrillResult {
        let r = try ChildProcess.run((executable ?? binary).path, arguments, environment: environment, directory: directory)
        return KrillResult(status: r.status, stdout: r.stdout, stderr: r.stderr)
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

/// A `krill` process running in the background, whose stderr is read as it comes (to wait
/// for a progress line before killing or interrupting it).
public final class RunningKrill {
    public let process = Process()
    private let errPipe = Pipe(), outPipe = Pipe()
    private let lock = NSLock()
    private var errText = "", outText = ""
    private let done = DispatchGroup()

    /// Starts `krill arguments...` (or `executable` with them, e.g. setpriv).
    public init(_ arguments: [String], executable: URL = KrillProcess.binary, environment: [String: String] = [:]) throws {
        process.executableURL = executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        process.standardError = errPipe
        process.standardOutput = outPipe
        try process.run()
        for (pipe, isErr) in [(errPipe, true), (outPipe, false)] {
            done.enter()
            DispatchQueue.global().async { [self] in
                let handle = pipe.fileHandleForReading
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    lock.lock()
                    if isErr { errText += String(decoding: chunk, as: UTF8.self) } else { outText += String(decoding: chunk, as: UTF8.self) }
                    lock.unlock()
                }
                done.leave()
            }
        }
    }

    public var stderr: String { lock.lock(); defer { lock.unlock() }; return errText }
    public var stdout: String { lock.lock(); defer { lock.unlock() }; return outText }

    /// Waits until stderr contains `marker` (true) or the process ended without it (false).
    @discardableResult
    public func waitFor(_ marker: String, timeout: TimeInterval = 120) -> Bool {
        waitFor(timeout: timeout) { $0.contains(marker) }
    }

    /// Waits until `test(stderr so far)` holds (true) or the process ended without it (false).
    @discardableResult
    public func waitFor(timeout: TimeInterval = 120, _ test: (String) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if test(stderr) { return true }
            if !process.isRunning { return test(stderr) }
            Thread.sleep(forTimeInterval: 0.002)
        }
        return false
    }

    /// Sends a signal (SIGKILL, SIGINT, ...).
    public func signal(_ sig: Int32) { kill(process.processIdentifier, sig) }

    /// Waits for the process to end; returns its status (the signal number when killed).
    @discardableResult
    public func wait() -> KrillResult {
        process.waitUntilExit()
        done.wait()
        return KrillResult(status: process.terminationStatus, stdout: stdout, stderr: stderr)
    }

    public var killedBySignal: Bool { process.terminationReason == .uncaughtSignal }
}
