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

    public init(node: String, kind: String, key: String, state: StageState, seconds: Double) {
        self.node = node
        self.kind = kind
        self.key = key
        self.state = state
        self.seconds = seconds
    }
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
///
/// Every key the executor resolves gets a shared use lock (`UseLocks`) held until
/// `releaseLocks()` (or until the executor is gone), so that `krill gc` never removes
/// what a live run uses. On SIGINT/SIGTERM (`InterruptFlag`) it starts no new stage, lets
/// the stages that stop gracefully reach a safe point, and throws
/// `PipelineError.interrupted`; the records of the stages done so far stay in `records`.
public final class Executor: @unchecked Sendable {
    public let store: ArtifactStore
    public let graph: StageGraph
    public let memo: FingerprintMemo
    public let progress: ProgressSink
    public let jobs: Int
    /// The use locks of this run.
    public let useLocks: UseLocks
    /// Where stop requests come from (tests pass their own).
    public let interrupts: InterruptFlag
    /// Nodes to recompute even when cached (`--force`); the new output replaces the entry.
    public var force: Set<String> = []
    /// Why each node runs, printed when it starts (`StageExplainer`).
    public var reasons: [String: String] = [:]

    private let condition = NSCondition()
    private var committed: [String: CommittedStage] = [:]
    private var recordsByNode: [String: StageRecord] = [:]
    private var failure: Error?
    /// Running nodes and the last status text each showed.
    private var running: [String: String] = [:]
    private var stopped: [String] = []
    private var interruptSignal: Int32?

    /// - Parameter memo: the store's fingerprint memo (`ArtifactStore.memo()`), shared with
    ///   whatever fingerprinted the sources so it is read once.
    public init(store: ArtifactStore, graph: StageGraph, progress: ProgressSink, jobs: Int = 1, memo: FingerprintMemo? = nil,
                interrupts: InterruptFlag = .shared) {
        self.store = store
        self.graph = graph
        self.progress = progress
        self.jobs = max(1, jobs)
        self.memo = memo ?? store.memo()
        self.useLocks = UseLocks(store: store)
        self.interrupts = interrupts
    }

    /// Releases the use locks (the run is over; its run folder is written).
    public func releaseLocks() { useLocks.releaseAll() }

    /// The records of the stages satisfied so far, in topological order.
    public var records: [StageRecord] {
        condition.lock()
        defer { condition.unlock() }
        let order = (try? graph.topologicalOrder()) ?? graph.names
        return order.compactMap { recordsByNode[$0] }
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
                if let items = try? FileManager.default.contentsOfDirectory(atPath: work.path),
                   items.contains(where: { stage.keepsOnResume($0) }) {
                    out.append((node, .partial(key: key, detail: stage.describePartial(work: work))))
                } else {
                    out.append((node, .toRun(key: key)))
                }
            }
        }
        try? memo.save()
        return out
    }

    /// Takes use locks on every key that can be known now (nodes whose inputs are all
    /// cached): the run's claim on the cache, before anything runs. Returns the plan.
    @discardableResult
    public func lockKnownKeys() throws -> [(node: String, state: PlannedState)] {
        let planned = try plan()
        for (_, state) in planned {
            switch state {
            case .cached(let key), .partial(let key, _), .toRun(let key?): try useLocks.hold(key)
            case .toRun(nil): break
            }
        }
        return planned
    }

    /// Runs every node (or those needed for `targets`), returning the committed outputs
    /// and the stage table in topological order.
    /// - Throws: `PipelineError.stageFailed` for the first stage that failed (stages already
    ///   running are finished first, their work kept for a resume);
    ///   `PipelineError.interrupted` after a stop request.
    public func run(targets: Set<String>? = nil) throws -> (outputs: [String: CommittedStage], records: [StageRecord]) {
        let order = try graph.topologicalOrder()
        let wanted = graph.needed(for: targets)
        var pending = order.filter { wanted.contains($0) }
        let token = interrupts.observe { [weak self] in
            guard let self else { return }
            self.condition.lock()
            if self.interruptSignal == nil { self.interruptSignal = self.interrupts.requested }
            self.condition.broadcast()
            self.condition.unlock()
        }
        defer { interrupts.removeObserver(token) }
        condition.lock()
        if interruptSignal == nil { interruptSignal = interrupts.requested }
        while true {
            if failure == nil && interruptSignal == nil {
                while running.count < jobs,
                      let i = pending.firstIndex(where: { n in graph.nodes[n]!.inputs.allSatisfy { committed[$0] != nil } }) {
                    let node = pending.remove(at: i)
                    let inputs = committed
                    running[node] = ""
                    Thread.detachNewThread { [self] in
                        let result = Result { try self.execute(node, inputs: inputs) }
                        condition.lock()
                        switch result {
                        case .success(let (out, record)):
                            committed[node] = out
                            recordsByNode[node] = record
                        case .failure(let interrupted as StageInterrupted):
                            stopped.append("\(node): \(interrupted.detail)")
                        case .failure(let error):
                            if failure == nil { failure = error }
                        }
                        running[node] = nil
                        condition.broadcast()
                        condition.unlock()
                    }
                }
            }
            if interruptSignal != nil {
                // Wait only for the stages that stop at a safe point; the others write
                // nothing that could be taken for a result, and are abandoned.
                if !running.keys.contains(where: { graph.nodes[$0]!.stopsGracefully }) { break }
            } else {
                if running.isEmpty && (pending.isEmpty || failure != nil) { break }
                if running.isEmpty && !pending.isEmpty {
                    failure = PipelineError.graph("no runnable stage among \(pending.joined(separator: ", "))")
                    break
                }
            }
            condition.wait()
        }
        let error = failure
        let outputs = committed
        let table = order.compactMap { recordsByNode[$0] }
        let signal = interruptSignal
        let where_ = stopped + running.keys.sorted().map { n in "\(n)" + (running[n]!.isEmpty ? "" : ": " + running[n]!) }
        condition.unlock()
        try? memo.save()
        if let signal { throw PipelineError.interrupted(signal: signal, stopped: where_.sorted()) }
        if let error { throw error }
        return (outputs, table)
    }

    /// The committed output of `node` when it and every node it depends on are in the
    /// cache, else nil. Runs nothing; `known` memoises across calls.
    public func cachedOutput(of node: String, known: inout [String: CommittedStage]) -> CommittedStage? {
        if let hit = known[node] { return hit }
        let stage = graph.nodes[node]!
        var inputs: [String: CommittedStage] = [:]
        for input in stage.inputs {
            guard let c = cachedOutput(of: input, known: &known) else { return nil }
            inputs[input] = c
        }
        let (key, _) = key(of: node, inputs: inputs)
        guard let hit = store.lookup(kind: stage.kind, key: key), trusted(hit) else { return nil }
        known[node] = hit
        return hit
    }

    /// Runs `node` alone (what a cluster job does): every node it depends on must be
    /// committed already. Takes the same compute lock and makes the same atomic commit as
    /// `run`; a cache hit runs nothing.
    /// - Throws: `PipelineError.notFound` naming the first input that is not committed;
    ///   `.stageFailed`; `StageInterrupted` when a stop request made the stage stop at a
    ///   safe point (its checkpoint kept for the next attempt).
    public func runAlone(_ node: String) throws -> StageRecord {
        guard let stage = graph.nodes[node] else { throw PipelineError.notFound("no stage '\(node)' in this plan") }
        var known: [String: CommittedStage] = [:]
        var inputs: [String: CommittedStage] = [:]
        for input in stage.inputs {
            guard let c = cachedOutput(of: input, known: &known) else {
                throw PipelineError.notFound("\(node) needs \(input), which is not committed yet: its job must finish first")
            }
            inputs[input] = c
        }
        condition.lock()
        running[node] = ""
        condition.unlock()
        defer {
            condition.lock()
            running[node] = nil
            condition.unlock()
            try? memo.save()
        }
        let (_, record) = try execute(node, inputs: inputs)
        condition.lock()
        recordsByNode[node] = record
        condition.unlock()
        return record
    }

    /// Remembers the last status line of a running node (to say where an interrupt found it).
    func noteStatus(_ node: String, _ text: String) {
        condition.lock()
        if running[node] != nil { running[node] = text }
        condition.unlock()
    }

    /// Satisfies one node: cache hit, or lock, compute, commit.
    func execute(_ node: String, inputs: [String: CommittedStage]) throws -> (CommittedStage, StageRecord) {
        let stage = graph.nodes[node]!
        let (key, digests) = key(of: node, inputs: inputs)
        let short = String(key.prefix(12))
        try useLocks.hold(key)
        let forced = force.contains(node)
        if !forced, let hit = cachedOutput(kind: stage.kind, key: key, node: node) {
            progress.line("\(node): cached (\(short))")
            return (hit, StageRecord(node: node, kind: stage.kind, key: key, state: .cached, seconds: 0))
        }
        let lock = try FileLock(path: store.lockPath(key: key))
        if !lock.tryLock() {
            progress.line("\(node): waiting for another krill process computing it")
            try lock.lock()
        }
        defer { lock.unlock() }
        if !forced, let hit = cachedOutput(kind: stage.kind, key: key, node: node) {
            progress.line("\(node): cached (\(short)), computed by another process")
            return (hit, StageRecord(node: node, kind: stage.kind, key: key, state: .cached, seconds: 0))
        }
        let work = store.workFolder(kind: stage.kind, key: key)
        let resuming = try prepareWorkFolder(work, for: stage)
        let why = forced ? "forced (--force)" : reasons[node]
        progress.line("\(node): \(resuming ? "resuming" : "computing") (\(short))" + (why.map { ": " + $0 } ?? ""))
        let start = Date()
        let sink = NodeProgress(node: node, inner: progress, executor: self)
        let blobs = BlobRecorder(store: store)
        do {
            try stage.run(StageContext(node: node, work: work, inputs: inputs, resuming: resuming, progress: sink,
                                       stopRequested: { [interrupts] in interrupts.requested != nil }, blobs: blobs))
        } catch let interrupted as StageInterrupted {
            throw interrupted
        } catch {
            throw PipelineError.stageFailed(node: node, message: describe(error))
        }
        let seconds = Date().timeIntervalSince(start)
        let out = try store.commit(work: work, kind: stage.kind, version: stage.version, key: key, params: stage.params,
                                   inputDigests: digests, seconds: seconds, resumed: resuming, blobs: blobs.digests)
        // The commit just hashed every file: remember those digests rather than reading the
        // files again (a source store can be gigabytes).
        for f in out.manifest.files { memo.record(out.file(f.path), sha256: f.sha256) }
        progress.line("\(node): \(resuming ? "resumed" : "computed") in \(String(format: "%.2f", seconds)) s"
                      + (stage.outcome(out).map { ": " + $0 } ?? ""))
        return (out, StageRecord(node: node, kind: stage.kind, key: key, state: resuming ? .resumed : .computed, seconds: seconds))
    }

    /// Makes `work` ready for the body: creates it, and deletes whatever an earlier,
    /// interrupted attempt left there except the stage's checkpoint files. Returns whether
    /// a checkpoint remains (the body resumes).
    func prepareWorkFolder(_ work: URL, for stage: any Stage) throws -> Bool {
        let fm = FileManager.default
        try AtomicFile.makeFolders(work)
        var resuming = false
        for name in try fm.contentsOfDirectory(atPath: work.path) {
            if stage.keepsOnResume(name) && !AtomicFile.isTemporary(name) {
                resuming = true
                continue
            }
            do { try fm.removeItem(at: work.appendingPathComponent(name)) } catch {
                throw PipelineError.io("\(work.appendingPathComponent(name).path): cannot remove a leftover: \(describe(error))")
            }
        }
        return resuming
    }
}

/// The progress sink a running stage sees: forwards to the run's sink and remembers the
/// last status, so an interrupt can say where each stage was.
struct NodeProgress: ProgressSink {
    let node: String
    let inner: ProgressSink
    unowned let executor: Executor

    func line(_ text: String) { inner.line(text) }
    func status(_ text: String) {
        executor.noteStatus(node, text)
        inner.status(text)
    }
}

/// A readable one-line description of any error (Swift errors print themselves; Foundation
/// errors give their localized description).
public func describe(_ error: Error) -> String {
    if type(of: error) is NSError.Type { return (error as NSError).localizedDescription }
    return "\(error)"
}
