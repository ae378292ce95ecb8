import Foundation
import Storage

/// What `krill verify` found: every committed cache entry and every run folder re-hashed
/// against its manifest (run folders against the file list of their `run.json`).
public struct VerifyReport: Sendable {
    /// A cache entry whose files differ from its manifest.
    public struct EntryProblem: Sendable {
        public let kind: String
        public let key: String
        public let folder: URL
        public let problems: [String]
    }

    /// A file of a run folder whose content differs from what the run recorded.
    public struct RunProblem: Sendable {
        /// The run (`name@n`).
        public let run: String
        /// The path inside the run folder.
        public let path: String
        public let problem: String
        /// Other places holding the same (altered) file through hard links: cache entries
        /// (`train 3f2a...`) and other runs' files (`smoke@2 history.csv`).
        public let sharedWith: [String]
    }

    public var entriesChecked = 0
    public var runsChecked = 0
    public var entryProblems: [EntryProblem] = []
    public var runProblems: [RunProblem] = []
    /// Runs whose run.json has no file list (made by an older krill): not checked.
    public var runsWithoutFileList: [String] = []
    /// Side blobs whose content does not match their name (they are not used; the stage
    /// that needs one recomputes it).
    public var corruptBlobs: [String] = []
    public var blobsChecked = 0

    /// Whether nothing was found.
    public var clean: Bool { entryProblems.isEmpty && runProblems.isEmpty && corruptBlobs.isEmpty }
    /// Runs holding at least one altered file.
    public var damagedRuns: [String] { Array(Set(runProblems.map(\.run))).sorted() }
}

/// Re-hashes the cache and the run folders (`krill verify`). Files are read once per inode:
/// a run folder's hard link to a cache file is the same file.
public enum CacheVerifier {
    public static func verify(_ store: ArtifactStore) -> VerifyReport {
        var report = VerifyReport()
        var hashes = InodeHashes()
        // Where each inode appears, to say who shares an altered file.
        var places: [InodeHashes.ID: [String]] = [:]
        let entries = store.allCommitted()
        for entry in entries {
            for f in entry.manifest.files {
                if let id = InodeHashes.id(of: entry.file(f.path)) {
                    places[id, default: []].append("cache entry \(entry.manifest.kind) \(entry.manifest.key.prefix(12)) (\(f.path))")
                }
            }
        }
        let runs = RunFolder.all(in: store)
        for run in runs {
            for (path, _) in run.record?["files"]?.objectValue ?? [:] {
                if let id = InodeHashes.id(of: run.url.appendingPathComponent(path)) {
                    places[id, default: []].append("\(run.label) \(path)")
                }
            }
        }

        for entry in entries {
            report.entriesChecked += 1
            let problems = self.problems(of: entry, hashes: &hashes)
            if !problems.isEmpty {
                report.entryProblems.append(.init(kind: entry.manifest.kind, key: entry.manifest.key, folder: entry.folder, problems: problems))
            }
        }

        for run in runs {
            guard let record = run.record else { continue }
            guard let files = record["files"]?.objectValue else {
                report.runsWithoutFileList.append(run.label)
                continue
            }
            report.runsChecked += 1
            var expected: [(String, String, Int?)] = files.compactMap { path, f in
                f["sha256"]?.stringValue.map { (path, $0, f["size"]?.intValue) }
            }
            if let digest = record["experiment_sha256"]?.stringValue { expected.append(("experiment.yaml", digest, nil)) }
            for (path, sha, size) in expected.sorted(by: { $0.0 < $1.0 }) {
                let url = run.url.appendingPathComponent(path)
                guard FileManager.default.fileExists(atPath: url.path) else {
                    report.runProblems.append(.init(run: run.label, path: path, problem: "missing", sharedWith: []))
                    continue
                }
                if let p = compare(url, sha256: sha, size: size, hashes: &hashes) {
                    let me = "\(run.label) \(path)"
                    let shared = InodeHashes.id(of: url).map { places[$0] ?? [] }?.filter { $0 != me } ?? []
                    report.runProblems.append(.init(run: run.label, path: path, problem: p, sharedWith: shared))
                }
            }
        }
        for sha in store.allBlobs() {
            report.blobsChecked += 1
            if (try? SHA256.hex(fileAt: store.blobURL(sha))) != sha { report.corruptBlobs.append(sha) }
        }
        return report
    }

    /// One line per file of a cache entry that is missing, altered, or not in its manifest.
    static func problems(of entry: CommittedStage, hashes: inout InodeHashes) -> [String] {
        var problems: [String] = []
        let actual = Set((try? listFiles(in: entry.folder)) ?? [])
        let expected = Dictionary(uniqueKeysWithValues: entry.manifest.files.map { ($0.path, $0) })
        for (path, e) in expected.sorted(by: { $0.key < $1.key }) {
            guard actual.contains(path) else { problems.append("\(path): missing"); continue }
            if let p = compare(entry.file(path), sha256: e.sha256, size: e.size, hashes: &hashes) {
                problems.append("\(path): \(p)")
            }
        }
        for path in actual.sorted() where expected[path] == nil { problems.append("\(path): not in the manifest") }
        return problems
    }

    /// nil when `url` holds the expected content, else what is wrong.
    static func compare(_ url: URL, sha256: String, size: Int?, hashes: inout InodeHashes) -> String? {
        guard let actual = hashes.sha256(of: url) else { return "unreadable" }
        if actual.sha256 != sha256 || (size != nil && actual.size != size!) {
            return "content changed (sha256 \(actual.sha256.prefix(12)), expected \(sha256.prefix(12)))"
        }
        return nil
    }

    /// Regular files under `folder` (relative paths), manifest.json excluded.
    static func listFiles(in folder: URL) throws -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: folder.path) else { return [] }
        var out: [String] = []
        for case let path as String in walker where path != "manifest.json" {
            var st = stat()
            if lstat(folder.appendingPathComponent(path).path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG { out.append(path) }
        }
        return out
    }
}

/// SHA-256 of files, computed once per (device, inode).
struct InodeHashes {
    struct ID: Hashable { let device: UInt64; let inode: UInt64 }
    private var known: [ID: (sha256: String, size: Int)] = [:]

    static func id(of url: URL) -> ID? {
        var st = stat()
        guard stat(url.path, &st) == 0 else { return nil }
        return ID(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
    }

    mutating func sha256(of url: URL) -> (sha256: String, size: Int)? {
        guard let id = InodeHashes.id(of: url) else { return nil }
        if let hit = known[id] { return hit }
        guard let digest = try? SHA256.hex(fileAt: url),
              let size = (try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? Int else { return nil }
        known[id] = (digest, size)
        return (digest, size)
    }
}
