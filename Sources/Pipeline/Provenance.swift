import Foundation

/// Facts about where and how a run ran, for `run.json`.
public enum Provenance {
    /// The git commit and dirty flag of the repository holding `path`, if any.
    public static func git(at path: URL) -> (commit: String, dirty: Bool)? {
        let folder = path.hasDirectoryPath ? path : path.deletingLastPathComponent()
        guard let commit = command("/usr/bin/git", ["-C", folder.path, "rev-parse", "HEAD"])?
            .trimmingCharacters(in: .whitespacesAndNewlines), commit.count == 40 else { return nil }
        let status = command("/usr/bin/git", ["-C", folder.path, "status", "--porcelain", "--untracked-files=no"]) ?? ""
        return (commit, !status.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
    }

    /// The host name.
    public static var host: String { ProcessInfo.processInfo.hostName }

    /// The CPU model from /proc/cpuinfo, and the number of active cores.
    public static var cpu: String {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = info.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { String($0.split(separator: ":", maxSplits: 1).last ?? "").trimmingCharacters(in: .whitespaces) } ?? "unknown CPU"
        return "\(model) (\(ProcessInfo.processInfo.activeProcessorCount) cores)"
    }

    /// ISO 8601 UTC time.
    public static func timestamp(_ date: Date = Date()) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: date)
    }

    /// Runs a program, returning its standard output, or nil when it fails.
    static func command(_ path: String, _ arguments: [String]) -> String? {
        guard FileManager.default.isExecutableFile(atPath: path),
              let r = try? ChildProcess.run(path, arguments), r.status == 0 else { return nil }
        return r.stdout
    }
}
