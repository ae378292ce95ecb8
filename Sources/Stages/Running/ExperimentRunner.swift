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

    /// Loads and validates an experiment file with overrides.
    /// - Throws: `ConfigErrors` (every problem, with positions).
    public static func load(_ file: String, overrides: [String]) throws -> ResolvedExperiment {
        try ExperimentLoader(classLister: ClassListing.lister, rules: ConfigRules.all).load(file: file, overrides: overrides)
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

    /// Runs the experiment; returns the run folder and the stage table.
    /// - Throws: `PipelineError.stageFailed` when a stage fails, `PipelineError.interrupted`
    ///   on SIGINT/SIGTERM (wrapped in `RunStopped`, with the stage table so far). No run
    ///   folder is made then; earlier run folders are untouched and the stopped stage's
    ///   work stays for a resume.
    public func run(_ experiment: ResolvedExperiment, name: String) throws -> (folder: RunFolder, records: [StageRecord]) {
        let started = Date()
        let plan = try plan(experiment)
        let executor = executor(for: plan)
        defer { executor.releaseLocks() }
        let outputs: [String: CommittedStage], records: [StageRecord]
        do {
            try executor.lockKnownKeys()
            (outputs, records) = try executor.run()
        } catch {
            throw RunStopped(error: error, records: executor.records)
        }
        let draft = try RunDraft(store: store, name: name)
        defer { draft.discard() }
        for node in plan.graph.names {
            if let out = outputs[node] { try draft.publish(out, of: plan.graph.nodes[node]!) }
        }
        try draft.write(experiment.yaml, to: "experiment.yaml")
        let folder = try draft.finish { folder in
            let record = provenance(experiment, records: records, started: started, files: draft.published)
            try folder.write(record.pretty, to: "run.json")
            var facts: [(String, String)] = [("krill", krillVersion), ("experiment", experiment.file)]
            if let git = record["git"], let commit = git["commit"]?.stringValue {
                facts.append(("git", commit + (git["dirty"] == .bool(true) ? " (dirty)" : "")))
            }
            for key in ["host", "cpu", "started", "ended"] { if let v = record[key]?.stringValue { facts.append((key, v)) } }
            try RunReport.write(folder, experimentYAML: experiment.yaml, records: records, provenance: facts)
        }
        return (folder, records)
    }

    /// `run.json`.
    func provenance(_ e: ResolvedExperiment, records: [StageRecord], started: Date,
                    files: [String: RunDraft.PublishedFile]) -> JSONValue {
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
            "stages": .array(records.map {
                .object(["node": .string($0.node), "kind": .string($0.kind), "key": .string($0.key),
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
