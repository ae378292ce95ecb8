import Foundation

/// Memory facts about this process, for benchmarks.
public enum ProcessMemory {
    /// Peak resident set size (VmHWM from /proc/self/status) in bytes, 0 where unavailable.
    public static func peakResidentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            if parts.count >= 2, let kb = Int(parts[1]) { return kb * 1024 }
        }
        return 0
    }
}
