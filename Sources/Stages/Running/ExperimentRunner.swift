import Experiment
import Foundation
import Pipeline
import Storage

/// The whole of `krill run`: load and check the experiment, plan its DAG, execute it
/// against the artifact store, then assemble the run folder (files hard-linked from the
/// cache, `experiment.yaml`, `run.json`) and point `latest` at it.
public struct ExperimentRunner {
    public let store: ArtifactStore
    public let progress: ProgressSink
    public let jobs: Int
    public let krillVersion: String
    /// Extra facts for run.json (BLAS, threads).
    public let environment: [String: String]

    public init(store: ArtifactStore, progress: ProgressSink, jobs: Int = 1, krillVersion: String, environment: [String: String] = [:]) {
        self.store = store
        self.progress = progress
        self.jobs = jobs
        self.krillVersion = krillVersion
        self.environment = environment
    }

    /// The loader `krill` uses: class names checked against the data, krill's rules.
    public static var loader: ExperimentLoader { ExperimentLoader(classLister: ClassListing.lister, rules: ConfigRules.all) }

    /// Loads and validates an experiment file with overrides.
    /// - Throws: `ConfigErrors` (every problem, with positions).
    public static func load(_ file: String, overrides: [String]) throws -> ResolvedExperiment {
        try loader.load(file: file, overrides: overrides)
    }

    /// Loads a sweep (the file's `sweep:` block and `--sweep` arguments); nil when there is none.
    public static func loadSweep(_ file: String, overrides: [String], sweeps: [String]) throws -> SweepPlan? {
        try loader.loadSweep(file: file, overrides: overrides, sweeps: sweeps)
    }

    /// The default run name: the experiment file's stem.
    public static func defaultName(for file: String) -> String {
        URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
    }

    /// The executor of a plan, sharing the memo the plan was fingerprinted with.
    public func executor(for plan: ExperimentPlan) -> Executor {
        Executor(store: store, graph: plan.graph, progress: progress, jobs: jobs, memo: plan.memo)
    }

    /// Plans with the store's fingerprint memo.
    public func plan(_ experiment: ResolvedExperiment) throws -> ExperimentPlan {
        try Planner.plan(experiment, memo: store.memo())
    }

    /// What `krill run` asks beyond the experiment.
    public struct Options: Sendable {
        /// The run folder's name (`runs/<name>/<n>`).
        public var name: String
        /// Stages to recompute even when cached: a kind (`train`: every epoch) or a node (`train@5`).
        public var force: [String] = []
        /// Stop after the stages of this kind (and what they need): `train` trains only.
        public var until: String? = nil
        /// For run.json: the command line, the `--set` overrides, and the sweep this run is a
        /// member of (its name and the member's `key=value` assignments).
        public var commandLine: [String] = []
        public var overrides: [String] = []
        public var sweep: (name: String, assignments: [(path: String, value: String)])? = nil
        /// `--executor slurm`: compute the stages as Slurm jobs (nil: here, in this process).
        public var slurm: SlurmSettings? = nil
        /// The jobs of a sweep, already run for every member (`SweepRunner`).
        public var slurmOutcome: SlurmExecutor.Outcome? = nil
        /// Refuse to start when the stages to compute need more disk than is free (their
        /// `DiskEstimate`); false skips the check.
        public var checkSpace = true
        /// Free bytes to assume instead of asking the filesystem (tests).
        public var freeSpace: Int? = nil

        public init(name: String, force: [String] = [], until: String? = nil, commandLine: [String] = [],
                    overrides: [String] = []) {
            self.name = name
            self.force = force
            self.until = until
            self.commandLine = commandLine
            self.overrides = overrides
        }
    }

    /// The nodes named by `--force` or `--until` specs: a kind (every node of it) or a node.
    /// - Throws: `PipelineError.notFound` naming the kinds and nodes there are.
    public static func nodes(_ spec: String, in graph: StageGraph) throws -> [String] {
        if graph.nodes[spec] != nil { return [spec] }
        let ofKind = graph.names.filter { graph.nodes[$0]!.kind == spec }
        guard ofKind.isEmpty else { return ofKind }
        let kinds = graph.names.reduce(into: [String]()) { if !$0.contains(graph.nodes[$1]!.kind) { $0.append(graph.nodes[$1]!.kind) } }
        throw PipelineError.notFound("no stage '\(spec)' in this experiment: give a kind (\(kinds.joined(separator: ", "))) or a node such as \(graph.names.first { $0.contains("@") } ?? "train@1")")
    }

    /// Runs the experiment; returns the run folder and the stage table.
    /// - Throws: `PipelineError.stageFailed` when a stage fails, `PipelineError.interrupted`
    ///   on SIGINT/SIGTERM (wrapped in `RunStopped`, with the stage table so far). No run
    ///   folder is made then; earlier run folders are untouched and the stopped stage's
    ///   work stays for a resume.
    public func run(_ experiment: ResolvedExperiment, name: String) throws -> (folder: RunFolder, records: [StageRecord]) {
        try run(experiment, options: Options(name: name))
    }

    public func run(_ experiment: ResolvedExperiment, options: Options) throws -> (folder: RunFolder, records: [StageRecord]) {
        let started = Date()
        let plan = try plan(experiment)
        let executor = executor(for: plan)
        defer { executor.releaseLocks() }
        executor.force = Set(try options.force.flatMap { try ExperimentRunner.nodes($0, in: plan.graph) })
        let targets = try options.until.map { Set(try ExperimentRunner.nodes($0, in: plan.graph)) }
        let outputs: [String: CommittedStage], records: [StageRecord]
        do {
            let planned = try executor.lockKnownKeys()
            let runs = Set(planned.filter { if case .cached = $0.state { return false } else { return true } }.map(\.node))
            if options.checkSpace && options.slurmOutcome == nil {
                try checkSpace(for: runs.intersection(plan.graph.needed(for: targets)), plan: plan, experiment: experiment,
                               free: options.freeSpace)
            }
            let previous = try? RunFolder.resolve(options.name, in: store)
            executor.reasons = try StageExplainer(graph: plan.graph, experiment: experiment, previous: previous)
                .reasons(for: runs).mapValues(\.text)
            var byJob: [String: (state: StageState, seconds: Double, job: String)] = [:]
            if let slurm = options.slurm {
                guard executor.force.isEmpty else {
                    throw PipelineError.graph("--force is not available with --executor slurm: recompute the stage with a local run, then submit")
                }
                let plans = try storedPlans(plan, experiment: experiment, directory: slurm.directory)
                let outcome = try options.slurmOutcome
                    ?? SlurmExecutor(store: store, settings: slurm, progress: progress).run([.init(executor: executor, plans: plans, targets: targets)])
                for (node, p) in plans { if let done = outcome.computed[p.planKey] { byJob[node] = done } }
            }
            // Locally, every stage a job computed is a cache hit; the table says who computed it.
            let local: [StageRecord]
            (outputs, local) = try executor.run(targets: targets)
            records = local.map { r in
                byJob[r.node].map { StageRecord(node: r.node, kind: r.kind, key: r.key, state: $0.state, seconds: $0.seconds) } ?? r
            }
        } catch {
            throw RunStopped(error: error, records: executor.records)
        }
        let draft = try RunDraft(store: store, name: options.name)
        defer { draft.discard() }
        for node in plan.graph.names {
            if let out = outputs[node] { try draft.publish(out, of: plan.graph.nodes[node]!) }
        }
        try draft.write(experiment.yaml, to: "experiment.yaml")
        let folder = try draft.finish { folder in
            let record = provenance(experiment, records: records, graph: plan.graph, started: started, files: draft.published,
                                    options: options)
            try folder.write(record.pretty, to: "run.json")
            var facts: [(String, String)] = [("krill", krillVersion), ("experiment", experiment.file)]
            if let git = record["git"], let commit = git["commit"]?.stringValue {
                facts.append(("git", commit + (git["dirty"] == .bool(true) ? " (dirty)" : "")))
            }
            for key in ["host", "cpu", "started", "ended"] { if let v = record[key]?.stringValue { facts.append((key, v)) } }
            if let until = options.until { facts.append(("until", "\(until) (a partial run: later stages were not run)")) }
            try RunReport.write(folder, experimentYAML: experiment.yaml, records: records, provenance: facts)
        }
        return (folder, records)
    }

    /// Throws when the stages in `nodes` would need more disk than the artifact
    /// filesystem has free (`DiskEstimate`), before anything is written.
    func checkSpace(for nodes: Set<String>, plan: ExperimentPlan, experiment: ResolvedExperiment, free: Int?) throws {
        guard !nodes.isEmpty, let free = free ?? DiskEstimate.freeBytes(at: store.root) else { return }
        let estimates = DiskEstimate.bytes(of: plan, experiment: experiment)
        let need = nodes.reduce(0) { $0 + (estimates[$1] ?? 0) }
        guard need > free else { return }
        let largest = nodes.sorted { (estimates[$0] ?? 0) > (estimates[$1] ?? 0) }.prefix(3)
            .map { "\($0) ~\(DiskEstimate.text(estimates[$0] ?? 0))" }.joined(separator: ", ")
        throw PipelineError.io("the \(nodes.count) stages to compute need about \(DiskEstimate.text(need)) on disk (largest: \(largest)), "
                               + "but \(store.root.path) has \(DiskEstimate.text(free)) free: free some space (krill gc), or use another --artifacts folder; "
                               + "nothing was written (--skip-space-check runs anyway)")
    }

    /// The stored plan of every node (what `krill stage` runs), with the experiment's recipe.
    public func storedPlans(_ plan: ExperimentPlan, experiment: ResolvedExperiment, directory: String) throws -> [String: StoredPlan] {
        try StoredPlan.plans(of: plan.graph, recipe: try ClusterSettings.recipe(for: experiment, store: store, directory: directory))
    }

    /// One line of `krill status`.
    public struct StatusLine: Sendable {
        public let node: String
        public let kind: String
        public let state: PlannedState
        public let reason: StageExplainer.Reason?
        /// What the stage would put on disk (`DiskEstimate`); nil when it is cached.
        public let estimatedBytes: Int?
    }

    /// What `krill run` would do, and why, without running anything.
    public func status(_ experiment: ResolvedExperiment, name: String) throws -> [StatusLine] {
        let plan = try plan(experiment)
        let planned = try executor(for: plan).plan()
        let runs = Set(planned.filter { if case .cached = $0.state { return false } else { return true } }.map(\.node))
        let previous = try? RunFolder.resolve(name, in: store)
        let reasons = try StageExplainer(graph: plan.graph, experiment: experiment, previous: previous).reasons(for: runs)
        let estimates = DiskEstimate.bytes(of: plan, experiment: experiment)
        return planned.map { StatusLine(node: $0.node, kind: plan.graph.nodes[$0.node]!.kind, state: $0.state, reason: reasons[$0.node],
                                        estimatedBytes: runs.contains($0.node) ? estimates[$0.node] : nil) }
    }

    /// `run.json`.
    func provenance(_ e: ResolvedExperiment, records: [StageRecord], graph: StageGraph, started: Date,
                    files: [String: RunDraft.PublishedFile], options: Options) -> JSONValue {
        var git: JSONValue = .null
        if let g = Provenance.git(at: URL(fileURLWithPath: e.file).standardizedFileURL) {
            git = .object(["commit": .string(g.commit), "dirty": .bool(g.dirty)])
        }
        var params: [String: JSONValue] = [:]
        for key in ExperimentSchema.keys where e.values.applies(key) { params[key.path] = e.values.value(key.path).json }
        for group in ExperimentSchema.switchableGroups { params[group + ".enabled"] = .bool(e.values.enabled(group)) }
        return .object([
            "krill_version": .string(krillVersion),
            "experiment": .string(e.file),
            "git": git,
            "host": .string(Provenance.host),
            "cpu": .string(Provenance.cpu),
            "environment": .object(environment.mapValues { .string($0) }),
            "started": .string(Provenance.timestamp(started)),
            "ended": .string(Provenance.timestamp()),
            "params": .object(params),
            "experiment_sha256": .string(SHA256.hex(e.yaml)),
            // Every file linked from the cache, with its digest: what `krill verify` checks.
            "files": .object(files.mapValues { f in
                .object(["sha256": .string(f.sha256), "size": .int(f.size), "kind": .string(f.kind), "key": .string(f.key)])
            }),
            "until": options.until.map { .string($0) } ?? .null,
            "command_line": .array(options.commandLine.map { .string($0) }),
            "overrides": .array(options.overrides.map { .string($0) }),
            "sweep": options.sweep.map { sweep in
                .object(["name": .string(sweep.name),
                         "member": .string(sweep.assignments.map { "\($0.path)=\($0.value)" }.joined(separator: ",")),
                         "assignments": .object(Dictionary(sweep.assignments.map { ($0.path, JSONValue.string($0.value)) },
                                                           uniquingKeysWith: { a, _ in a }))])
            } ?? .null,
            // Per stage: what it was (kind, version, parameters: `krill status` compares
            // with them), how it was satisfied, and its wall-clock seconds.
            "stages": .array(records.map {
                .object(["node": .string($0.node), "kind": .string($0.kind), "key": .string($0.key),
                         "version": .int(graph.nodes[$0.node]?.version ?? 0), "params": graph.nodes[$0.node]?.params ?? .null,
                         "state": .string($0.state.rawValue), "seconds": .double(($0.seconds * 1000).rounded() / 1000)])
            }),
        ])
    }
}

/// A run that did not finish (a stage failed, or SIGINT/SIGTERM stopped it), with the
/// stage table up to that point.
public struct RunStopped: Error, CustomStringConvertible {
    /// The underlying `PipelineError` (or other error).
    public let error: Error
    /// The stages satisfied before it stopped.
    public let records: [StageRecord]
    public var description: String { describe(error) }
}
