import ArgumentParser
import Experiment
import Foundation
import Pipeline
import Stages

/// Options every command that touches artifacts takes.
struct ArtifactOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Artifact folder (default: $KRILL_ARTIFACTS, else ./artifacts).", valueName: "dir"))
    var artifacts: String?

    var store: ArtifactStore {
        let path = artifacts ?? ProcessInfo.processInfo.environment["KRILL_ARTIFACTS"] ?? "artifacts"
        return ArtifactStore(root: URL(fileURLWithPath: path))
    }
}

/// An experiment file with `--set` overrides.
struct ExperimentOptions: ParsableArguments {
    @Argument(help: "The experiment file (YAML).")
    var experiment: String

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a key: key.path=value (repeatable).", valueName: "key=value"))
    var overrides: [String] = []

    /// Loads and checks the experiment; config errors become exit 2 with one line each.
    func load() throws -> ResolvedExperiment {
        do {
            return try ExperimentRunner.load(experiment, overrides: overrides)
        } catch let errors as ConfigErrors {
            throw CommandFailure.usage(errors.diagnostics.map(\.description).joined(separator: "\nkrill: "))
        }
    }

    /// Loads a sweep (the file's `sweep:` block and `sweeps`), or nil when there is none.
    func loadSweep(_ sweeps: [String]) throws -> SweepPlan? {
        do {
            return try ExperimentRunner.loadSweep(experiment, overrides: overrides, sweeps: sweeps)
        } catch let errors as ConfigErrors {
            throw CommandFailure.usage(errors.diagnostics.map(\.description).joined(separator: "\nkrill: "))
        }
    }
}

/// `--sweep key=a,b,c` (run and status).
struct SweepOptions: ParsableArguments {
    @Option(name: .customLong("sweep"), help: ArgumentHelp(
        "Sweep a key over values: key.path=a,b,c (repeatable: the cartesian product). Each member is a run named <name>/<key=value,...>.",
        valueName: "key=a,b,..."))
    var sweeps: [String] = []
}

/// Progress on stderr: lines always; status lines redrawn in place on a terminal, dropped otherwise.
final class StderrProgress: ProgressSink, @unchecked Sendable {
    private let lock = NSLock()
    private let terminal = isatty(2) == 1
    private var statusShown = false

    func line(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        write((statusShown ? "\r\u{1B}[2K" : "") + text + "\n")
        statusShown = false
    }

    func status(_ text: String) {
        guard terminal else { return }
        lock.lock()
        defer { lock.unlock() }
        write("\r\u{1B}[2K" + text)
        statusShown = true
    }

    /// Ends a redrawn status line (before an interruption message), so nothing is printed
    /// on top of it and the shell prompt does not glue onto it.
    func endStatus() {
        lock.lock()
        defer { lock.unlock() }
        if statusShown { write("\r\u{1B}[2K") }
        statusShown = false
    }

    private func write(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }
}

/// Where a report goes: text for a terminal, or data.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, csv, md
}

/// Engine and data errors become messages; stage failures exit 1, the rest 2.
func reportFailure(_ error: Error) -> CommandFailure {
    switch error {
    case let e as CommandFailure: return e
    case let e as RunStopped: return reportFailure(e.error)
    case let e as PipelineError:
        if case .stageFailed = e { return .failed("\(e)") }
        if case .interrupted(let signal, _) = e { return .interrupted(signal: signal, message: "\(e)") }
        return .usage("\(e)")
    default: return .usage(describe(error))
    }
}
