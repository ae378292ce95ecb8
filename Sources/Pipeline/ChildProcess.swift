import Foundation

/// Runs a program to its end and captures what it printed (git for provenance, Slurm's
/// commands for the Slurm executor, the built binary in the end-to-end tests).
public enum ChildProcess {
    public struct Result {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    /// Runs `executable` with `arguments` in `directory` (nil: this process's), the process's
    /// environment plus `environment`, stdin from /dev/null. Both pipes are drained
    /// concurrently, so a chatty program cannot block on a full pipe.
    /// - Throws: when the program cannot be started.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                           directory: URL? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        if !environment.isEmpty {
            var env = ProcessInfo.processInfo.environment
            for (k, v) in environment { env[k] = v }
            process.environment = env
        }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let errData = ErrorBytes()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errData.data = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData.data, as: UTF8.self))
    }

    /// Bytes filled in by the reader thread, read after the group's wait.
    private final class ErrorBytes: @unchecked Sendable {
        var data = Data()
    }
}
