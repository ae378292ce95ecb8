import ArgumentParser
import Datasets
import Foundation
import Storage
import Pipeline
import Stages

/// `krill bench fingerprint DIR`: scanning and fingerprinting a class-folder tree, cold (no
/// memo, file contents evicted from the page cache where the kernel allows) and warm (memo).
struct BenchFingerprintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fingerprint", abstract: "Source fingerprint of a class-folder tree: cold (no memo) versus warm (memo).")
    @Argument(help: "The data set root (one sub-folder per class).") var directory: String
    @OptionGroup var options: BenchOptions

    func run() throws {
        let root = URL(fileURLWithPath: directory)
        let memoFile = FileManager.default.temporaryDirectory.appendingPathComponent("krill-bench-memo-\(getpid()).tsv")
        defer { try? FileManager.default.removeItem(at: memoFile) }
        var files = 0
        var cold: [Double] = [], warm: [Double] = [], scanOnly: [Double] = [], memoLoad: [Double] = []
        for _ in 0..<max(1, options.repeats) {
            try? FileManager.default.removeItem(at: memoFile)
            let scan = try ClassFolderScan.scan(root: root)
            files = scan.files.count
            for f in scan.files { evict(root.appendingPathComponent(f.relativePath).path) }
            cold.append(try time { _ = try RescaleStage.fingerprint(ClassFolderScan.scan(root: root), memo: FingerprintMemo(file: memoFile)) })
            warm.append(try time { _ = try RescaleStage.fingerprint(ClassFolderScan.scan(root: root), memo: FingerprintMemo(file: memoFile)) })
            scanOnly.append(try time { _ = try ClassFolderScan.scan(root: root) })
            memoLoad.append(time { _ = FingerprintMemo(file: memoFile) })
        }
        func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
        let c = median(cold), w = median(warm)
        printBench(["bench": "fingerprint", "files": files, "cold_seconds": c, "warm_seconds": w, "speedup": c / w,
                    "warm_scan_seconds": median(scanOnly), "warm_memo_load_seconds": median(memoLoad),
                    "peak_rss_bytes": ProcessMemory.peakResidentBytes()],
                   human: String(format: "fingerprint %d files: cold %.3f s, warm %.3f s (%.1fx faster with the memo)", files, c, w, c / w),
                   jsonOnly: options.json)
    }

    func time(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// Asks the kernel to drop a file's cached pages (best effort, no privileges needed).
    func evict(_ path: String) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return }
        posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_DONTNEED))
        close(fd)
    }
}
