import Foundation
import Storage

/// What `krill gc` removed (or, in a dry run, would remove) and what it left alone.
public struct GCReport: Sendable {
    public struct Entry: Sendable, Equatable {
        public let kind: String
        public let key: String
        public let bytes: Int
    }

    /// Run folders removed by `keepLast` (`name@n`).
    public var removedRuns: [String] = []
    /// Cache entries no run folder references.
    public var removedEntries: [Entry] = []
    /// Unreferenced entries a live run holds (use lock taken): left alone.
    public var inUse: [Entry] = []
    /// Work folders of interrupted stages that no live process holds, with their sizes.
    public var removedWork: [(name: String, bytes: Int)] = []
    /// Work folders a live process holds: left alone.
    public var busyWork: [String] = []
    /// Abandoned run-folder drafts of runs that died before finishing.
    public var removedDrafts: [String] = []
    /// Side blobs (e.g. optimiser states of epochs inside a training chain) no chain end
    /// and no live run needs, with their sizes.
    public var removedBlobs: [(sha256: String, bytes: Int)] = []

    public var freedBytes: Int {
        removedEntries.reduce(0) { $0 + $1.bytes } + removedWork.reduce(0) { $0 + $1.bytes } + removedBlobs.reduce(0) { $0 + $1.bytes }
    }
}

/// `krill gc`: removes cache entries that no run folder references, never one that a live
/// run holds (see `FileLock` for the use locks), plus abandoned work folders and drafts.
/// With `keepLast`, first removes all but the newest N run folders of each name.
public enum GarbageCollector {
    public static func collect(_ store: ArtifactStore, keepLast: Int? = nil, dryRun: Bool = false) throws -> GCReport {
        var report = GCReport()
        var runs = RunFolder.all(in: store)
        if let keepLast {
            let byName = Dictionary(grouping: runs, by: \.name)
            for (_, group) in byName.sorted(by: { $0.key < $1.key }) {
                let old = group.sorted { $0.number < $1.number }.dropLast(max(0, keepLast))
                for run in old {
                    report.removedRuns.append(run.label)
                    if !dryRun { try run.remove(in: store) }
                }
            }
            let removed = Set(report.removedRuns)
            runs = runs.filter { !removed.contains($0.label) }
        }

        var referenced = Set<String>()
        for run in runs {
            for s in run.record?["stages"]?.arrayValue ?? [] { if let k = s["key"]?.stringValue { referenced.insert(k) } }
        }
        for entry in store.allCommitted() where !referenced.contains(entry.manifest.key) {
            let item = GCReport.Entry(kind: entry.manifest.kind, key: entry.manifest.key,
                                      bytes: entry.manifest.files.reduce(0) { $0 + $1.size })
            let lock = try FileLock(path: store.useLockPath(key: entry.manifest.key))
            guard lock.tryLock() else {
                report.inUse.append(item)
                continue
            }
            defer { lock.unlock() }
            report.removedEntries.append(item)
            if !dryRun { try store.evict(entry) }
        }

        try collectBlobs(store, runs: runs, dryRun: dryRun, into: &report)

        let fm = FileManager.default
        for name in ((try? fm.contentsOfDirectory(atPath: store.workFolder.path)) ?? []).sorted() {
            let folder = store.workFolder.appendingPathComponent(name)
            if name.hasPrefix(".trash-") {
                if !dryRun { try? fm.removeItem(at: folder) }
                continue
            }
            guard let dash = name.lastIndex(of: "-") else { continue }
            let key = String(name[name.index(after: dash)...])
            guard key.count == 64 else { continue }
            // Held while computing (compute lock) or planned by a live run (use lock).
            let compute = try FileLock(path: store.lockPath(key: key)), use = try FileLock(path: store.useLockPath(key: key))
            guard compute.tryLock() else { report.busyWork.append(name); continue }
            defer { compute.unlock() }
            guard use.tryLock() else { report.busyWork.append(name); continue }
            defer { use.unlock() }
            report.removedWork.append((name, folderSize(folder)))
            if !dryRun { try removeTree(folder) }
        }

        // Drafts anywhere under runs/ and sweeps/ (sweep members nest: runs/<sweep>/<member>/).
        func drafts(in folder: URL, label: String) throws {
            for entry in ((try? fm.contentsOfDirectory(atPath: folder.path)) ?? []).sorted() {
                let path = folder.appendingPathComponent(entry)
                if RunDraft.isDraft(entry) {
                    let lockPath = path.appendingPathComponent(RunDraft.lockName).path
                    if fm.fileExists(atPath: lockPath) {
                        let lock = try FileLock(path: lockPath)
                        guard lock.tryLock() else { continue }
                        lock.unlock()
                    }
                    report.removedDrafts.append(label.isEmpty ? entry : "\(label)/\(entry)")
                    if !dryRun { try removeTree(path) }
                    continue
                }
                var isDir: ObjCBool = false
                if !entry.hasPrefix("."), entry != "latest", Int(entry) == nil,
                   fm.fileExists(atPath: path.path, isDirectory: &isDir), isDir.boolValue {
                    try drafts(in: path, label: label.isEmpty ? entry : "\(label)/\(entry)")
                }
            }
        }
        try drafts(in: store.runsFolder, label: "")
        try drafts(in: store.sweepsFolder, label: "sweeps")
        return report
    }

    /// Side blobs are kept for the last node of each chain (`kind@n` with the highest n) in
    /// every run folder, and for every entry a live run holds; the others go. (A chain that
    /// needs a removed blob later recomputes it from the nearest earlier one that was kept.)
    static func collectBlobs(_ store: ArtifactStore, runs: [RunFolder], dryRun: Bool, into report: inout GCReport) throws {
        let blobs = store.allBlobs()
        guard !blobs.isEmpty else { return }
        var keep = Set<String>()
        var chainEnds = Set<String>()
        for run in runs {
            var last: [String: (Int, String)] = [:]
            for s in run.record?["stages"]?.arrayValue ?? [] {
                guard let node = s["node"]?.stringValue, let key = s["key"]?.stringValue, let at = node.lastIndex(of: "@"),
                      let n = Int(node[node.index(after: at)...]) else { continue }
                let kind = String(node[..<at])
                if (last[kind]?.0 ?? Int.min) < n { last[kind] = (n, key) }
            }
            for (_, (_, key)) in last { chainEnds.insert(key) }
        }
        for entry in store.allCommitted() where !entry.manifest.blobs.isEmpty {
            if chainEnds.contains(entry.manifest.key) {
                keep.formUnion(entry.manifest.blobs)
                continue
            }
            let lock = try FileLock(path: store.useLockPath(key: entry.manifest.key))
            if lock.tryLock() { lock.unlock() } else { keep.formUnion(entry.manifest.blobs) }
        }
        for sha in blobs where !keep.contains(sha) {
            let url = store.blobURL(sha)
            let bytes = ((try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? Int) ?? 0
            report.removedBlobs.append((sha, bytes))
            if !dryRun { unlink(url.path) }
        }
    }

    /// Total size of the regular files under `folder`.
    static func folderSize(_ folder: URL) -> Int {
        var total = 0
        for case let path as String in FileManager.default.enumerator(atPath: folder.path) ?? FileManager.default.enumerator(atPath: "/nonexistent")! {
            var st = stat()
            if lstat(folder.appendingPathComponent(path).path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG { total += Int(st.st_size) }
        }
        return total
    }
}

/// Removes a folder tree, naming the path on failure.
func removeTree(_ folder: URL) throws {
    do { try FileManager.default.removeItem(at: folder) } catch {
        throw PipelineError.io("\(folder.path): cannot remove: \(describe(error))")
    }
}

extension RunFolder {
    /// Removes this run folder (moved aside first, so no reader sees half of it) and
    /// repoints `latest` at the newest remaining run of the name, or removes it.
    public func remove(in store: ArtifactStore) throws {
        let base = url.deletingLastPathComponent()
        let trash = base.appendingPathComponent(".removing-\(number)-\(getpid())")
        guard rename(url.path, trash.path) == 0 else {
            throw PipelineError.io("\(url.path): cannot remove: \(String(cString: strerror(errno)))")
        }
        try removeTree(trash)
        let latest = base.appendingPathComponent("latest")
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: latest.path), target == String(number) {
            if let newest = RunFolder.existingNumbers(in: base).max() {
                try RunFolder(url: base.appendingPathComponent(String(newest)), name: name, number: newest).markLatest()
            } else {
                unlink(latest.path)
            }
        }
        if RunFolder.existingNumbers(in: base).isEmpty,
           ((try? FileManager.default.contentsOfDirectory(atPath: base.path)) ?? []).allSatisfy({ $0.hasPrefix(".") && !RunDraft.isDraft($0) }) {
            try? FileManager.default.removeItem(at: base)
        }
    }
}
