import ArgumentParser
import Experiment
import Foundation
import Linalg
import Pipeline
import Stages

/// `krill run`: computes what is not cached, resumes what was interrupted, writes a run folder.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run an experiment: compute what is not cached, resume what was interrupted.",
        discussion: "The run folder is artifacts/runs/<name>/<n>/; runs/<name>/latest points at the newest.")

    @OptionGroup var experiment: ExperimentOptions
    @OptionGroup var sweep: SweepOptions
    @Option(help: "Run name (default: the experiment file's stem).")
    var name: String?
    @Option(help: "Stages computed at once (for a sweep: members run side by side). Changes no result.")
    var jobs: Int = 1
    @Option(name: .customLong("force"), help: ArgumentHelp(
        "Recompute a stage even when cached, replacing its cache entry: a kind (train: every epoch) or a node (train@5). Stages after it rerun only if its bytes change. Repeatable.",
        valueName: "kind[@epoch]"))
    var force: [String] = []
    @Option(help: ArgumentHelp("Stop after the stages of this kind and what they need (e.g. train: train now, evaluate later). The run folder is marked partial.",
                               valueName: "kind"))
    var until: String?
    @Option(help: ArgumentHelp("Where stages run: local (this process) or slurm (one batch job per stage, on a shared artifact folder; see docs/slurm.md).",
                               valueName: "local|slurm"))
    var executor: ExecutorKind = .local
    @Option(name: .customLong("executor-opt"), help: ArgumentHelp(
        "Slurm resources for this command, over the experiment's executor block: kind.key=value (train.time=12:00:00, default.partition=short). Repeatable.",
        valueName: "kind.key=value"))
    var executorOptions: [String] = []
    @Flag(help: "Start even when the stages to compute need more disk than the artifacts folder has free (an estimate; see krill status).")
    var skipSpaceCheck = false
    @OptionGroup var artifactOptions: ArtifactOptions

    enum ExecutorKind: String, ExpressibleByArgument, CaseIterable {
        case local, slurm
    }

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        if executor == .local && !executorOptions.isEmpty { throw ValidationError("--executor-opt needs --executor slurm") }
        if executor == .slurm && !force.isEmpty { throw ValidationError("--force is not available with --executor slurm: recompute the stage with a local run first") }
        if let name, name.isEmpty || name.contains("/") || name.hasPrefix(".") {
            throw ValidationError("--name must be a plain folder name")
        }
    }

    func run() throws {
        if let plan = try experiment.loadSweep(sweep.sweeps) { return try runSweep(plan) }
        let resolved = try experiment.load()
        // All of krill's parallelism is its own, over fixed chunks: results do not depend on
        // the number of cores (OpenBLAS's own threading would make them).
        Gemm.useSingleThreadedBLAS()
        let progress = StderrProgress()
        InterruptFlag.shared.installHandlers { _ in progress.endStatus() }
        let runner = ExperimentRunner(store: artifactOptions.store, progress: progress, jobs: jobs,
                                      krillVersion: Krill.version, environment: KrillEnvironment.facts)
        do {
            var options = ExperimentRunner.Options(name: name ?? ExperimentRunner.defaultName(for: experiment.experiment),
                                                   force: force, until: until, commandLine: CommandLine.arguments,
                                                   overrides: experiment.overrides)
            options.slurm = try slurmSettings(loaded: resolved)
            options.checkSpace = !skipSpaceCheck
            let (folder, records) = try runner.run(resolved, options: options)
            printStageTable(records)
            print("run folder: \(folder.url.path)")
        } catch let stopped as RunStopped {
            if let e = stopped.error as? PipelineError, case let .interrupted(signal, _) = e {
                reportInterruption(stopped, signal: signal, progress: progress)
            }
            if !stopped.records.isEmpty { printStageTable(stopped.records) }
            throw reportFailure(stopped.error)
        } catch {
            throw reportFailure(error)
        }
    }
}

extension RunCommand {
    /// Every member of the sweep, then the sweep folder.
    func runSweep(_ plan: SweepPlan) throws {
        Gemm.useSingleThreadedBLAS()
        let progress = StderrProgress()
        InterruptFlag.shared.installHandlers { _ in progress.endStatus() }
        let sweepName = name ?? ExperimentRunner.defaultName(for: experiment.experiment)
        let runner = ExperimentRunner(store: artifactOptions.store, progress: progress, jobs: 1,
                                      krillVersion: Krill.version, environment: KrillEnvironment.facts)
        progress.line("sweep \(sweepName): \(plan.members.count) members ("
                      + plan.axes.map { "\($0.path) in [\($0.values.joined(separator: ", "))]" }.joined(separator: " x ") + ")")
        var options = ExperimentRunner.Options(name: sweepName, force: force, until: until, commandLine: CommandLine.arguments,
                                               overrides: experiment.overrides)
        options.slurm = try slurmSettings()
        options.checkSpace = !skipSpaceCheck
        do {
            let (folder, results) = try SweepRunner(runner: runner).run(plan, name: sweepName, jobs: jobs, options: options)
            print(RunTable(runs: results.compactMap(\.folder)).text, terminator: "")
            let computed = results.flatMap(\.records).filter { $0.state != .cached }.count
            let total = results.flatMap(\.records).count
            print("\(results.count) members, \(total) stages: \(computed) computed, \(total - computed) cached (shared or from earlier runs)")
            print("sweep folder: \(folder.url.path)")
        } catch let stopped as SweepRunner.Stopped {
            progress.endStatus()
            FileHandle.standardError.write(Data("krill: \(stopped)\n".utf8))
            FileHandle.standardError.write(Data("krill: resume with: \(resumeCommand())\n".utf8))
            fflush(stdout)
            if let signal = stopped.signal { _exit(128 + signal) }
            throw CommandFailure.failed("the sweep did not finish")
        } catch {
            throw reportFailure(error)
        }
    }
}

extension RunCommand {
    /// `--executor slurm`: the experiment's executor block with `--executor-opt` applied;
    /// nil for a local run. `loaded`: the experiment as already loaded without them (read
    /// again only when there are options to apply).
    func slurmSettings(loaded: ResolvedExperiment? = nil) throws -> SlurmSettings? {
        guard executor == .slurm else { return nil }
        let values: ResolvedExperiment
        do {
            if let loaded, executorOptions.isEmpty {
                values = loaded
            } else {
                values = try ExperimentRunner.load(experiment.experiment,
                                                   overrides: experiment.overrides + ClusterSettings.overrides(executorOptions))
            }
        } catch let errors as ConfigErrors {
            // The options were applied as `--set` overrides after the user's own: name them as given.
            var text = errors.diagnostics.map(\.description).joined(separator: "\nkrill: ")
            for (i, option) in executorOptions.enumerated() {
                let label = "--set[\(experiment.overrides.count + i + 1)]"
                text = text.replacingOccurrences(of: NSRegularExpression.escapedPattern(for: label) + #"(:\d+:\d+)?"#,
                                                 with: NSRegularExpression.escapedTemplate(for: "--executor-opt '\(option)'"),
                                                 options: .regularExpression)
            }
            throw CommandFailure.usage(text)
        }
        let store = artifactOptions.store
        return ClusterSettings.slurm(values.values, krill: Krill.executablePath, artifacts: store.root,
                                     directory: FileManager.default.currentDirectoryPath)
    }
}

/// SIGINT/SIGTERM: says where the run stopped and how to resume, prints the stage table
/// so far, and exits 130 (SIGINT) or 143 (SIGTERM) at once: every file is already atomic,
/// and stages that did not stop gracefully are abandoned (their work folders are cleared
/// when they run again).
func reportInterruption(_ stopped: RunStopped, signal: Int32, progress: StderrProgress) -> Never {
    progress.endStatus()
    FileHandle.standardError.write(Data("krill: \(stopped.error)\n".utf8))
    FileHandle.standardError.write(Data("krill: resume with: \(resumeCommand())\n".utf8))
    if !stopped.records.isEmpty { printStageTable(stopped.records) }
    fflush(stdout)
    _exit(128 + signal)
}

/// The command line that started this process, quoted for a shell: running it again
/// resumes (finished stages are cached, training continues from its checkpoint).
func resumeCommand() -> String {
    CommandLine.arguments.enumerated().map { i, arg in shellQuoted(i == 0 ? "krill" : arg) }.joined(separator: " ")
}

/// The stage table printed at the end of a run.
func printStageTable(_ records: [StageRecord]) {
    let width = max(5, records.map(\.node.count).max() ?? 0)
    print("stage".padding(toLength: width, withPad: " ", startingAt: 0) + "  state     seconds  key")
    for r in records {
        print(r.node.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
              + r.state.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)
              + String(format: "%9.2f", r.seconds) + "  " + r.key.prefix(12))
    }
    let counts = Dictionary(grouping: records, by: \.state).mapValues(\.count)
    print("\(counts[.computed] ?? 0) computed, \(counts[.resumed] ?? 0) resumed, \(counts[.cached] ?? 0) cached")
}

/// Facts about the numeric environment for run.json.
enum KrillEnvironment {
    static var facts: [String: String] {
        return [
            "blas": "OpenBLAS",
            "blas_threads": String(Gemm.blasThreads),
            "cores": String(ProcessInfo.processInfo.activeProcessorCount),
        ]
    }
}
