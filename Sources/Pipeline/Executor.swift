import Foundation
import Storage

/// How a node of a run was satisfied.
public enum StageState: String, Sendable {
    case computed, cached, resumed
}

/// One line of the stage table of a run.
public struct StageRecord: Sendable, Equatable {
    public let node: String
    public let kind: String
    public let key: String
    public let state: StageState
    public let seconds: Double
}

/// What `krill status` shows for a node without running anything.
public enum PlannedState: Equatable, Sendable {
    case cached(key: String)
    /// The key is known and an interrupted attempt left work behind.
    case partial(key: String, detail: String?)
    /// Will run; the key is known when every input is cached.
    case toRun(key: String?)
}

/// Runs a stage graph against an artifact store: computes keys from committed inputs,
/// takes cache hits without running the body, locks each key across processes, runs up to
/// `jobs` stages at once, and commits outputs atomically.
public final class Executor: @unchecked Sendable {
    public let store: ArtifactStore
    public let graph: StageGraph
    public let memo: FingerprintMemo
    public let progress: ProgressSink
    public let jobs: Int

    private let condition = NSCondition()
    private var committed: [String: CommittedStage] = [:]
    private var records: [String: StageRecord] = [:]
    private var failure: Error?
    private var running = 0

    /// - Parameter memo: the store's fingerprint memo (`ArtifactStore.memo()`), shared with
    ///   whatever fingerprinted the sources so it is read once.
    public init(store: ArtifactStore, graph: StageGraph, progress: ProgressSink, jobs: Int = 1, memo: FingerprintMemo? = nil) {
        self.store = store
        self.graph = graph
        self.progress = progress
        self.jobs = max(1, jobs)
        self.memo = memo ?? store.memo()
    }

    /// The key of `node` given its committed inputs.
    func key(of node: String, inputs: [String: CommittedStage]) -> (key: String, digests: [String: String]) {
        let stage = graph.nodes[node]!
        let digests = Dictionary(uniqueKeysWithValues: stage.inputs.map { ($0, inputs[$0]!.manifest.outputDigest) })
        return (stageKey(kind: stage.kind, version: stage.version, params: stage.params, inputDigests: digests), digests)
    }

    /// A cache entry is trusted only if every file still has its recorded content (cheap:
    /// files whose stat is unchanged since they were last hashed are not read).
    func trusted(_ c: CommittedStage) -> Bool {
        for f in c.manifest.files {
            guard let digest = try? memo.sha256(of: c.file(f.path)), digest == f.sha256 else { return false }
        }
        return true
    }

    /// Looks up a node's committed output, evicting it when its files were altered.
    func cachedOutput(kind: String, key: String, node: String) -> CommittedStage? {
        guard let hit = store.lookup(kind: kind, key: key) else { return nil }
        if trusted(hit) { return hit }
        progress.line("\(node): cached output was altered on disk; recomputing")
        try? store.evict(hit)
        return nil
    }

    /// What would happen to each node, in topological order, without running anything.
    public func plan() throws -> [(node: String, state: PlannedState)] {
        var known: [String: CommittedStage] = [:]
        var out: [(String, PlannedState)] = []
        for node in try graph.topologicalOrder() {
            let stage = graph.nodes[node]!
            guard stage.inputs.allSatisfy({ known[$0] != nil }) else {
                out.append((node, .toRun(key: nil)))
                continue
            }
            let (key, _) = key(of: node, inputs: known)
            if let hit = store.lookup(kind: stage.kind, key: key), trusted(hit) {
                known[node] = hit
                out.append((node, .cached(key: key)))
            } else {
                let work = store.workFolder(kind: stage.kind, key: key)
                if let items = try? FileManager.default.contentsOfDirectory(atPath: work.path), !items.isEmpty {
                    out.append((node, .partial(key: key, detail: stage.describePartial(work: work))))
                } else {
                    out.append((node, .toRun(key: key)))
                }
            }
        }
        try? memo.save()
        return out
    }

    /// Runs every node (or those needed for `targets`), returning the committed outputs
    /// and the stage table in topological order.
    /// - Throws: `PipelineError.stageFailed` for the first stage that failed; stages already
    ///   running are finished first, their work kept for a resume.
    public func run(targets: Set<String>? = nil) throws -> (outputs: [String: CommittedStage], records: [StageRecord]) {
        let order = try graph.topologicalOrder()
        var wanted = Set(order)
        if let targets {
            wanted = targets
            for t in targets { wanted.formUnion(graph.ancestors(of: t)) }
        }
        var pending = order.filter { wanted.contains($0) }
        condition.lock()
        while true {
            if failure == nil {
                while running < jobs, let i = pending.firstIndex(where: { n in graph.nodes[n]!.inputs.allSatisfy { committed[$0] != nil } }) {
                    let node = pending.remove(at: i)
                    let inputs = committed
                    running += 1
                    Thread.detachNewThread { [self] in
                        let result = Result { try self.execute(node, inputs: inputs) }
                        condition.lock()
                        switch result {
                        case .success(let (out, record)):
                            committed[node] = out
                            records[node] = record
                        case .failure(let error):
                            if failure == nil { failure = error }
                        }
                        running -= 1
                        condition.broadcast()
                        condition.unlock()
                    }
                }
            }
            if running == 0 && (pending.isEmpty || failure != nil) { break }
            if running == 0 && !pending.isEmpty {
                failure = PipelineError.graph("no runnable stage among \(pending.joined(separator: ", "))")
                break
            }
            condition.wait()
        }
        let error = failure
        let outputs = committed
        let table = order.compactMap { records[$0] }
        condition.unlock()
        try? memo.save()
        if let error { throw error }
        return (outputs, table)
    }

    /// Satisfies one node: cache hit, or lock, compute, commit.
    func execute(_ node: String, inputs: [String: CommittedStage]) throws -> (CommittedStage, StageRecord) {
        let stage = graph.nodes[node]!
        let (key, digests) = key(of: node, inputs: inputs)
        let short = String(key.prefix(12))
        if let hit = cachedOutput(kind: stage.kind, key: key, node: node) {
            progress.line("\(node): cached (\(short))")
            return (hit, StageRecord(node: node, kind: stage.kind, key: key, state: .cached, seconds: 0))
        }
        let lock = try FileLock(path: store.lockPath(key: key))
        if !lock.tryLock() {
            progress.line("\(node): waiting for another krill process computing it")
            try lock.lock()
        }
        defer { lock.unlock() }
        if let hit = cachedOutput(kind: stage.kind, key: key, node: node) {
            progress.line("\(node): cached (\(short)), computed by another process")
            return (hit, StageRecord(node: node, kind: stage.kind, key: key, state: .cached, seconds: 0))
        }
        let work = store.workFolder(kind: stage.kind, key: key)
        let resuming = ((try? FileManager.default.contentsOfDirectory(atPath: work.path)) ?? []).isEmpty == false
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        progress.line("\(node): \(resuming ? "resuming" : "computing") (\(short))")
        let start = Date()
        do {
            try stage.run(StageContext(node: node, work: work, inputs: inputs, resuming: resuming, progress: progress))
        } catch {
            throw PipelineError.stageFailed(node: node, message: describe(error))
        }
        let seconds = Date().timeIntervalSince(start)
        let out = try store.commit(work: work, kind: stage.kind, version: stage.version, key: key, params: stage.params,
                                   inputDigests: digests, seconds: seconds, resumed: resuming)
        // The commit just hashed every file: remember those digests rather than reading the
        // files again (a source store can be gigabytes).
        for f in out.manifest.files { memo.record(out.file(f.path), sha256: f.sha256) }
        progress.line("\(node): \(resuming ? "resumed" : "computed") in \(String(format: "%.2f", seconds)) s")
        return (out, StageRecord(node: node, kind: stage.kind, key: key, state: resuming ? .resumed : .computed, seconds: seconds))
    }
}

/// A readable one-line description of any error (Swift errors print themselves; Foundation
/// errors give their localized description).
public func describe(_ error: Error) -> String {
    if type(of: error) is NSError.Type { return (error as NSError).localizedDescription }
    return "\(error)"
}
