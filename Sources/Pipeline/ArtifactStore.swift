import Foundation
import Storage

/// The artifact folder (docs/design.md, "Artifacts"):
/// `cache/stages/<kind>/<ab>/<key>/` committed outputs, `cache/work/<kind>-<key>/` work in
/// progress, `cache/locks/` flock files, `runs/<name>/<n>/` run folders.
public struct ArtifactStore: Sendable {
    public let root: URL

    public init(root: URL) {
        self.root = root.standardizedFileURL
    }

    public var stagesFolder: URL { root.appendingPathComponent("cache/stages") }
    public var workFolder: URL { root.appendingPathComponent("cache/work") }
    public var locksFolder: URL { root.appendingPathComponent("cache/locks") }
    /// Side blobs of committed entries, by SHA-256 (e.g. a training epoch's optimiser state).
    public var blobsFolder: URL { root.appendingPathComponent("cache/blobs") }
    public var runsFolder: URL { root.appendingPathComponent("runs") }
    /// `sweeps/<name>/<n>/`: a sweep's table and plots.
    public var sweepsFolder: URL { root.appendingPathComponent("sweeps") }

    public func committedFolder(kind: String, key: String) -> URL {
        stagesFolder.appendingPathComponent(kind).appendingPathComponent(String(key.prefix(2))).appendingPathComponent(key)
    }

    public func workFolder(kind: String, key: String) -> URL {
        workFolder.appendingPathComponent("\(kind)-\(key)")
    }

    /// The fingerprint memo of this store (`cache/state.bin`).
    public func memo() -> FingerprintMemo {
        FingerprintMemo(file: root.appendingPathComponent("cache/state.bin"))
    }

    /// The compute lock of a key: held exclusively while a process computes the stage.
    public func lockPath(key: String) -> String {
        locksFolder.appendingPathComponent("\(key).lock").path
    }

    /// The use lock of a key: held shared by every live run that uses the key; `gc` takes
    /// it exclusively (see `FileLock`).
    public func useLockPath(key: String) -> String {
        locksFolder.appendingPathComponent("\(key).use").path
    }

    /// The committed output of (kind, key), if there is a whole one. A folder without a
    /// readable manifest, or whose manifest names another key, is not a result.
    public func lookup(kind: String, key: String) -> CommittedStage? {
        let folder = committedFolder(kind: kind, key: key)
        guard let manifest = Manifest.read(folder.appendingPathComponent("manifest.json")),
              manifest.key == key, manifest.kind == kind else { return nil }
        return CommittedStage(folder: folder, manifest: manifest)
    }

    /// Commits a work folder: removes what interrupted writes left (`AtomicFile`
    /// temporaries), hashes the files, makes them read-only, writes `manifest.json` last,
    /// fsyncs, and renames the folder into place. The committed folder holds exactly the
    /// files its manifest lists. Returns the committed stage.
    /// - Parameter blobs: side blobs the entry refers to (see `Manifest.blobs`).
    public func commit(work: URL, kind: String, version: Int, key: String, params: JSONValue,
                       inputDigests: [String: String], seconds: Double, resumed: Bool, blobs: [String] = []) throws -> CommittedStage {
        try Manifest.removeTemporaries(in: work)
        let files = try Manifest.scanFiles(in: work)
        for f in files {
            let url = work.appendingPathComponent(f.path)
            fsyncFile(url)
            try makeReadOnly(url)
        }
        let manifest = Manifest(kind: kind, version: version, key: key, params: params, inputs: inputDigests,
                                files: files, seconds: seconds, resumed: resumed, blobs: blobs)
        let manifestURL = work.appendingPathComponent("manifest.json")
        try AtomicFile.write(manifest.json.pretty, to: manifestURL)
        try makeReadOnly(manifestURL)
        let target = committedFolder(kind: kind, key: key)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        if FileManager.default.fileExists(atPath: target.path) {
            // A broken leftover (no valid manifest), or an entry recomputed on purpose
            // (`--force`): move it aside, then take its place. Run folders keep their links.
            let trash = workFolder.appendingPathComponent(".trash-\(key)-\(getpid())")
            try? FileManager.default.moveItem(at: target, to: trash)
            try? FileManager.default.removeItem(at: trash)
        }
        guard rename(work.path, target.path) == 0 else {
            throw PipelineError.io("cannot commit \(work.path) to \(target.path): \(String(cString: strerror(errno)))")
        }
        AtomicFile.syncFolder(target.deletingLastPathComponent())
        return CommittedStage(folder: target, manifest: manifest)
    }

    // MARK: side blobs

    /// The file of blob `sha256`.
    public func blobURL(_ sha256: String) -> URL { blobsFolder.appendingPathComponent(sha256) }

    /// Stores `data` as a blob (atomically, read-only; nothing to do when it exists) and
    /// returns its SHA-256.
    public func writeBlob(_ data: Data) throws -> String {
        let sha = SHA256.hex(data)
        let url = blobURL(sha)
        if FileManager.default.fileExists(atPath: url.path) { return sha }
        try AtomicFile.write(data, to: url)
        try makeReadOnly(url)
        return sha
    }

    /// The bytes of blob `sha256`, or nil when it is absent (removed by `gc`) or its content
    /// does not match its name.
    public func readBlob(_ sha256: String) -> Data? {
        guard let data = FileManager.default.contents(atPath: blobURL(sha256).path), SHA256.hex(data) == sha256 else { return nil }
        return data
    }

    /// Every blob's SHA-256.
    public func allBlobs() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: blobsFolder.path)) ?? []).filter { $0.count == 64 }.sorted()
    }

    /// Every committed stage in the cache.
    public func allCommitted() -> [CommittedStage] {
        var out: [CommittedStage] = []
        let fm = FileManager.default
        for kind in (try? fm.contentsOfDirectory(atPath: stagesFolder.path))?.sorted() ?? [] {
            let kindFolder = stagesFolder.appendingPathComponent(kind)
            for prefix in (try? fm.contentsOfDirectory(atPath: kindFolder.path))?.sorted() ?? [] {
                for key in (try? fm.contentsOfDirectory(atPath: kindFolder.appendingPathComponent(prefix).path))?.sorted() ?? [] {
                    let folder = kindFolder.appendingPathComponent(prefix).appendingPathComponent(key)
                    if let m = Manifest.read(folder.appendingPathComponent("manifest.json")) {
                        out.append(CommittedStage(folder: folder, manifest: m))
                    }
                }
            }
        }
        return out
    }

    /// Re-hashes a committed stage's files; returns one line per problem (empty when sound).
    public func verify(_ stage: CommittedStage) -> [String] {
        var hashes = InodeHashes()
        return CacheVerifier.problems(of: stage, hashes: &hashes)
    }

    /// Removes a committed stage from the cache (moved aside first so the removal is atomic
    /// as seen by readers).
    public func evict(_ stage: CommittedStage) throws {
        let trash = workFolder.appendingPathComponent(".trash-\(stage.manifest.key)-\(getpid())")
        try FileManager.default.createDirectory(at: workFolder, withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: stage.folder, to: trash)
        try FileManager.default.removeItem(at: trash)
    }
}

/// Committed files are read-only (mode 0444), so that a run folder's hard link cannot be
/// edited in place: the edit fails instead of changing every run that shares the file.
/// (Root ignores permission bits; `krill verify` finds such edits.)
func makeReadOnly(_ url: URL) throws {
    guard chmod(url.path, 0o444) == 0 else {
        throw PipelineError.io("\(url.path): cannot make read-only: \(String(cString: strerror(errno)))")
    }
}

/// fsync of one file, best effort.
func fsyncFile(_ url: URL) {
    let fd = open(url.path, O_RDONLY | O_CLOEXEC)
    if fd >= 0 { fsync(fd); close(fd) }
}
