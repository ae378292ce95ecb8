import Foundation
import Storage

/// One run's folder, `runs/<name>/<n>/`, whose files are hard links into the cache
/// (copies where hard links fail), plus `run.json` written when the run ends.
public struct RunFolder: Sendable {
    public let url: URL
    public let name: String
    public let number: Int

    /// Creates the next numbered folder for `name` (n = 1, 2, ...). Safe against another
    /// process creating one at the same time: mkdir is atomic.
    public static func create(in store: ArtifactStore, name: String) throws -> RunFolder {
        let base = store.runsFolder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        var n = (existingNumbers(in: base).max() ?? 0) + 1
        while true {
            let url = base.appendingPathComponent(String(n))
            if mkdir(url.path, 0o755) == 0 { return RunFolder(url: url, name: name, number: n) }
            guard errno == EEXIST else { throw PipelineError.io("\(url.path): cannot create: \(String(cString: strerror(errno)))") }
            n += 1
        }
    }

    static func existingNumbers(in base: URL) -> [Int] {
        ((try? FileManager.default.contentsOfDirectory(atPath: base.path)) ?? []).compactMap { Int($0) }.filter { $0 > 0 }
    }

    /// Links each published file of a committed stage into the run folder.
    public func publish(_ output: CommittedStage, of stage: any Stage) throws {
        for file in output.manifest.files {
            guard let target = stage.publishedPath(of: file.path) else { continue }
            try link(output.file(file.path), as: target)
        }
    }

    /// Hard-links `source` to `path` inside the run folder, copying where linking fails
    /// (another file system).
    public func link(_ source: URL, as path: String) throws {
        let target = url.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? FileManager.default.removeItem(at: target)
        if Foundation.link(source.path, target.path) != 0 {
            try FileManager.default.copyItem(at: source, to: target)
        }
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
            return RunFolder(url: url, name: url.deletingLastPathComponent().lastPathComponent, number: n)
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

    /// Every run folder in the store, by name then number.
    public static func all(in store: ArtifactStore) -> [RunFolder] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: store.runsFolder.path)) ?? []).sorted()
        return names.flatMap { name in
            existingNumbers(in: store.runsFolder.appendingPathComponent(name)).sorted().map {
                RunFolder(url: store.runsFolder.appendingPathComponent(name).appendingPathComponent(String($0)), name: name, number: $0)
            }
        }
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
