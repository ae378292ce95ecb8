import Foundation
import Storage

/// One run's folder, `runs/<name>/<n>/`, whose files are hard links into the cache
/// (read-only, like the cache entries they share an inode with), plus `experiment.yaml`,
/// `run.json` and `report.html` written by the runner. A run folder appears whole or not at
/// all: it is assembled as a `RunDraft` in a hidden folder and renamed into place.
public struct RunFolder: Sendable {
    public let url: URL
    public let name: String
    public let number: Int

    public init(url: URL, name: String, number: Int) {
        self.url = url
        self.name = name
        self.number = number
    }

    static func existingNumbers(in base: URL) -> [Int] {
        ((try? FileManager.default.contentsOfDirectory(atPath: base.path)) ?? []).compactMap { Int($0) }.filter { $0 > 0 }
    }

    /// Writes a file of the run folder atomically.
    public func write(_ text: String, to path: String) throws {
        try AtomicFile.write(text, to: url.appendingPathComponent(path))
    }

    /// Points `runs/<name>/latest` at this run (atomic symlink replacement).
    public func markLatest() throws {
        let base = url.deletingLastPathComponent()
        let temp = base.appendingPathComponent(".latest-\(getpid())")
        unlink(temp.path)
        guard symlink(String(number), temp.path) == 0, rename(temp.path, base.appendingPathComponent("latest").path) == 0 else {
            throw PipelineError.io("\(base.path)/latest: cannot update: \(String(cString: strerror(errno)))")
        }
    }

    /// Finds a run: a folder path, `NAME` (latest), `NAME@n`, or `NAME~k` (k runs before the latest).
    public static func resolve(_ reference: String, in store: ArtifactStore) throws -> RunFolder {
        var isDir: ObjCBool = false
        if reference.contains("/"), FileManager.default.fileExists(atPath: reference, isDirectory: &isDir), isDir.boolValue {
            let url = URL(fileURLWithPath: reference).standardizedFileURL.resolvingSymlinksInPath()
            guard let n = Int(url.lastPathComponent) else { throw PipelineError.notFound("\(reference): not a run folder (runs/<name>/<n>)") }
            // The name is the path under runs/ (sweep members have `sweep/member` names).
            let parent = url.deletingLastPathComponent().path
            let runs = store.runsFolder.resolvingSymlinksInPath().path + "/"
            let name = parent.hasPrefix(runs) ? String(parent.dropFirst(runs.count)) : url.deletingLastPathComponent().lastPathComponent
            return RunFolder(url: url, name: name, number: n)
        }
        var name = reference
        var pick: (Int) -> Int? = { $0 > 0 ? $0 : nil }   // latest by default
        var numbers: [Int] = []
        if let at = reference.lastIndex(of: "@"), let n = Int(reference[reference.index(after: at)...]) {
            name = String(reference[..<at])
            pick = { _ in n }
        } else if let tilde = reference.lastIndex(of: "~"), let k = Int(reference[reference.index(after: tilde)...]) {
            name = String(reference[..<tilde])
            pick = { _ in
                let sorted = numbers.sorted()
                return sorted.count > k ? sorted[sorted.count - 1 - k] : nil
            }
        }
        let base = store.runsFolder.appendingPathComponent(name)
        numbers = existingNumbers(in: base)
        guard !numbers.isEmpty else { throw PipelineError.notFound("no runs named '\(name)' in \(store.runsFolder.path)") }
        guard let n = pick(numbers.max()!), numbers.contains(n) else {
            throw PipelineError.notFound("\(reference): no such run (runs of '\(name)': \(numbers.sorted().map(String.init).joined(separator: ", ")))")
        }
        return RunFolder(url: base.appendingPathComponent(String(n)), name: name, number: n)
    }

    /// Every run folder in the store, by name then number. Names may nest: the members of a
    /// sweep are `runs/<sweep>/<member>/<n>`.
    public static func all(in store: ArtifactStore) -> [RunFolder] {
        var out: [RunFolder] = []
        func walk(_ name: String) {
            let folder = name.isEmpty ? store.runsFolder : store.runsFolder.appendingPathComponent(name)
            let entries = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
            if !name.isEmpty {
                out += existingNumbers(in: folder).sorted().map {
                    RunFolder(url: folder.appendingPathComponent(String($0)), name: name, number: $0)
                }
            }
            for entry in entries where !entry.hasPrefix(".") && entry != "latest" && Int(entry) == nil {
                var isDir: ObjCBool = false
                if FileManager.default.fileExists(atPath: folder.appendingPathComponent(entry).path, isDirectory: &isDir), isDir.boolValue {
                    walk(name.isEmpty ? entry : name + "/" + entry)
                }
            }
        }
        walk("")
        return out
    }

    /// `run.json`, if the run finished writing it.
    public var record: JSONValue? {
        FileManager.default.contents(atPath: url.appendingPathComponent("run.json").path).flatMap { try? JSONValue.parse($0) }
    }

    /// `summary.json`, if present.
    public var summary: JSONValue? {
        FileManager.default.contents(atPath: url.appendingPathComponent("summary.json").path).flatMap { try? JSONValue.parse($0) }
    }

    public var label: String { "\(name)@\(number)" }
}

/// A run folder being assembled: files are linked and written into a hidden folder
/// `runs/<name>/.draft-<pid>-<n>/`, and `finish` renames it to the next free number. A run
/// that fails or is killed half-way leaves no numbered folder (only a draft, which
/// `krill gc` removes once no process holds it).
public final class RunDraft {
    public let store: ArtifactStore
    public let name: String
    /// The hidden folder the files go to.
    public let url: URL
    /// Every file linked from the cache: run-folder path -> (digest, size, stage key).
    public private(set) var published: [String: PublishedFile] = [:]
    private let lock: FileLock
    private var finished = false

    /// A file of a run folder that comes from a cache entry.
    public struct PublishedFile: Sendable, Equatable {
        public let sha256: String
        public let size: Int
        /// The kind and key of the cache entry it was linked from.
        public let kind: String
        public let key: String
    }

    /// - Parameter under: the folder of the named folders (`runs/`, or `sweeps/` for a
    ///   sweep's report folder).
    public init(store: ArtifactStore, name: String, under: URL? = nil) throws {
        self.store = store
        self.name = name
        let base = (under ?? store.runsFolder).appendingPathComponent(name)
        try AtomicFile.makeFolders(base)
        url = base.appendingPathComponent(".draft-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        guard mkdir(url.path, 0o755) == 0 else {
            throw PipelineError.io("\(url.path): cannot create: \(String(cString: strerror(errno)))")
        }
        lock = try FileLock(path: url.appendingPathComponent(RunDraft.lockName).path)
        _ = lock.tryLock()
    }

    static let lockName = ".draft.lock"

    /// Whether `name` (an entry of `runs/<name>/`) is a draft folder.
    public static func isDraft(_ name: String) -> Bool { name.hasPrefix(".draft-") }

    /// Links each published file of a committed stage into the draft.
    public func publish(_ output: CommittedStage, of stage: any Stage) throws {
        for file in output.manifest.files {
            guard let target = stage.publishedPath(of: file.path) else { continue }
            try link(output.file(file.path), as: target)
            published[target] = PublishedFile(sha256: file.sha256, size: file.size, kind: output.manifest.kind,
                                              key: output.manifest.key)
        }
    }

    /// Hard-links `source` to `path` inside the draft, copying where linking fails
    /// (another file system).
    public func link(_ source: URL, as path: String) throws {
        let target = url.appendingPathComponent(path)
        try AtomicFile.makeFolders(target.deletingLastPathComponent())
        unlink(target.path)
        if Foundation.link(source.path, target.path) != 0 {
            do { try FileManager.default.copyItem(at: source, to: target) } catch {
                throw PipelineError.io("\(target.path): cannot link or copy \(source.path): \(describe(error))")
            }
            try makeReadOnly(target)
        }
    }

    /// Writes a file of the draft atomically.
    public func write(_ text: String, to path: String) throws {
        try AtomicFile.write(text, to: url.appendingPathComponent(path))
    }

    /// Gives the draft the next free number: `finalize` receives the run folder as it will
    /// be (its `url` is still the draft's, its `number` the final one) to write the files
    /// that name the run (run.json, report.html). Then every file is made read-only and
    /// synced, the draft is renamed to `runs/<name>/<n>`, and `latest` points at it.
    public func finish(_ finalize: (RunFolder) throws -> Void) throws -> RunFolder {
        let base = url.deletingLastPathComponent()
        let numbering = try FileLock(path: base.appendingPathComponent(".numbering.lock").path)
        try numbering.lock()
        defer { numbering.unlock() }
        let number = (RunFolder.existingNumbers(in: base).max() ?? 0) + 1
        try finalize(RunFolder(url: url, name: name, number: number))
        unlink(url.appendingPathComponent(RunDraft.lockName).path)
        try sealFiles(in: url)
        let target = base.appendingPathComponent(String(number))
        guard rename(url.path, target.path) == 0 else {
            throw PipelineError.io("\(target.path): cannot create the run folder: \(String(cString: strerror(errno)))")
        }
        AtomicFile.syncFolder(base)
        finished = true
        let folder = RunFolder(url: target, name: name, number: number)
        try folder.markLatest()
        return folder
    }

    /// Removes the draft (the run failed).
    public func discard() {
        guard !finished else { return }
        try? FileManager.default.removeItem(at: url)
        finished = true
    }

    deinit { discard() }

    /// Makes every regular file under `folder` read-only and durable.
    func sealFiles(in folder: URL) throws {
        guard let walker = FileManager.default.enumerator(atPath: folder.path) else { return }
        for case let path as String in walker {
            let file = folder.appendingPathComponent(path)
            var st = stat()
            guard lstat(file.path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
            if st.st_nlink == 1 {
                fsyncFile(file)
                try makeReadOnly(file)
            }
        }
        for case let path as String in FileManager.default.enumerator(atPath: folder.path)! {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent(path).path, isDirectory: &isDir), isDir.boolValue {
                AtomicFile.syncFolder(folder.appendingPathComponent(path))
            }
        }
        AtomicFile.syncFolder(folder)
    }
}
