import Experiment
import Foundation
import Pipeline
import Storage

/// The experiment's `executor:` block (plus `--executor-opt`) as Slurm settings, the
/// rule that checks its time and memory texts, and the recipe a compute node rebuilds a
/// planned stage from.
public enum ClusterSettings {
    /// Slurm settings from the experiment's executor keys.
    /// - Parameters:
    ///   - krill: the krill binary jobs run (an absolute path on the shared filesystem).
    ///   - artifacts: the artifact folder, absolute.
    ///   - directory: the folder jobs start in (the submitter's current folder).
    public static func slurm(_ v: ResolvedValues, krill: String, artifacts: URL, directory: String,
                             environment: [String: String] = [:]) -> SlurmSettings {
        let defaults = SlurmResources(partition: v.value("executor.partition").stringValue, cpus: v.int("executor.cpus"),
                                      memory: v.value("executor.memory").stringValue, time: v.value("executor.time").stringValue,
                                      extra: v.strings("executor.sbatch"))
        var byKind: [String: SlurmResources] = [:]
        for kind in ExperimentSchema.executorKinds {
            var r = defaults
            if let p = v.value("executor.\(kind).partition").stringValue { r.partition = p }
            if let c = v.optionalInt("executor.\(kind).cpus") { r.cpus = c }
            if let m = v.value("executor.\(kind).memory").stringValue { r.memory = m }
            if let t = v.value("executor.\(kind).time").stringValue { r.time = t }
            byKind[kind] = r
        }
        let resources = byKind
        let root = artifacts.standardizedFileURL.path
        return SlurmSettings(resources: { resources[$0] ?? defaults }, setup: v.strings("executor.setup"),
                             command: { key in [krill, "stage", key, "--artifacts", root].map(shellQuoted).joined(separator: " ") },
                             directory: directory, pollSeconds: v.double("executor.poll_seconds"),
                             signalSeconds: v.int("executor.signal_seconds"), environment: environment)
    }

    /// `--executor-opt kind.key=value` (or `default.key=value`) as `--set` overrides of
    /// the executor block.
    /// - Throws: `ConfigErrors` for an option that is not `kind.key=value`.
    public static func overrides(_ options: [String]) throws -> [String] {
        try options.map { option in
            guard let eq = option.firstIndex(of: "="), let dot = option[..<eq].firstIndex(of: ".") else {
                throw ConfigErrors([Diagnostic(nil, "--executor-opt '\(option)': expected kind.key=value, e.g. train.time=12:00:00 or default.partition=short")])
            }
            let kind = String(option[..<dot]), rest = String(option[option.index(after: dot)...])
            guard kind == "default" || ExperimentSchema.executorKinds.contains(kind) else {
                throw ConfigErrors([Diagnostic(nil, "--executor-opt '\(option)': no kind '\(kind)': give default or one of \(ExperimentSchema.executorKinds.joined(separator: ", "))")])
            }
            return kind == "default" ? "executor." + rest : "executor.\(kind)." + rest
        }
    }

    /// The time and memory texts sbatch must read, checked with the rest of the file.
    static func rule(_ v: ResolvedValues, _ mark: (String) -> SourceMark) -> [Diagnostic] {
        var out: [Diagnostic] = []
        for prefix in ["executor"] + ExperimentSchema.executorKinds.map({ "executor.\($0)" }) {
            if let t = v.value(prefix + ".time").stringValue, SlurmResources.seconds(ofTime: t) == nil {
                out.append(Diagnostic(mark(prefix + ".time"), "\(prefix).time: '\(t)' is not a Slurm time limit (minutes, M:S, H:M:S, D-H, D-H:M or D-H:M:S)"))
            }
            if let m = v.value(prefix + ".memory").stringValue, !SlurmResources.isMemory(m) {
                out.append(Diagnostic(mark(prefix + ".memory"), "\(prefix).memory: '\(m)' is not a memory size sbatch reads (a number with K, M, G or T, e.g. 4G)"))
            }
        }
        return out
    }

    /// What a compute node needs to rebuild a planned stage: the resolved experiment's
    /// text (stored once per experiment under `cache/plans/`) and the folder relative
    /// paths were taken from.
    public static func recipe(for experiment: ResolvedExperiment, store: ArtifactStore, directory: String) throws -> JSONValue {
        let yaml = experiment.yaml
        let sha = SHA256.hex(yaml)
        let url = store.plansFolder.appendingPathComponent("experiment-\(sha).yaml")
        if !FileManager.default.fileExists(atPath: url.path) { try AtomicFile.write(yaml, to: url) }
        return .object(["experiment": .string(url.lastPathComponent), "experiment_sha256": .string(sha),
                        "directory": .string(directory), "source_file": .string(experiment.file)])
    }
}
