import Foundation

/// What Slurm says of one job.
public struct SlurmJobState: Sendable, Equatable {
    /// `PENDING`, `RUNNING`, `COMPLETED`, `FAILED`, `CANCELLED`, ... (squeue's %T).
    public let state: String
    /// Why it is pending (`Dependency`, `BeginTime`, `DependencyNeverSatisfied`), or `None`.
    public let reason: String

    public init(state: String, reason: String) {
        self.state = state
        self.reason = reason
    }

    /// The job will not run (again) by itself.
    public var isTerminal: Bool {
        ["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE", "PREEMPTED",
         "SPECIAL_EXIT", "REVOKED"].contains(state)
    }

    public var isRunning: Bool { ["RUNNING", "COMPLETING", "CONFIGURING", "SIGNALING", "STAGE_OUT", "RESIZING"].contains(state) }

    /// Pending on a dependency that can no longer be met (an upstream job failed).
    public var isStuck: Bool { state == "PENDING" && reason.hasPrefix("DependencyNeverSatisfied") }
}

/// The Slurm commands krill uses, run as child processes: `sbatch --parsable`, `squeue
/// --states=all`, `scontrol show job` (for jobs squeue no longer lists), `scontrol
/// requeue` and `scancel`. `sacct` is not used: without accounting (slurmdbd) it has no
/// data, and squeue/scontrol answer the same questions while a job is known to the
/// controller (`MinJobAge`).
public struct SlurmClient: Sendable {
    /// Extra environment for the commands (e.g. `SLURM_CONF`); the process's own otherwise.
    public let environment: [String: String]

    public init(environment: [String: String] = [:]) { self.environment = environment }

    /// Runs a Slurm command; returns its standard output.
    /// - Throws: `PipelineError.io` with the command's stderr when it exits non-zero or cannot start.
    @discardableResult
    public func call(_ command: String, _ arguments: [String], allowFailure: Bool = false) throws -> String {
        let r: ChildProcess.Result
        do { r = try ChildProcess.run("/usr/bin/env", [command] + arguments, environment: environment) } catch {
            throw PipelineError.io("cannot run \(command): \(describe(error)) (is Slurm's client installed and on PATH?)")
        }
        if r.status != 0 && !allowFailure {
            let shown = ([command] + arguments).joined(separator: " ")
            if r.status == 127 {
                throw PipelineError.io("\(command) not found: `--executor slurm` needs Slurm's client commands on PATH")
            }
            throw PipelineError.io("`\(shown)` failed (exit \(r.status)): \(r.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return r.stdout
    }

    /// Submits a job script; returns the job id.
    /// - Parameter afterOK: jobs that must complete successfully first.
    public func submit(script: URL, afterOK: [String], extra: [String] = []) throws -> String {
        var args = ["--parsable"] + extra
        if !afterOK.isEmpty { args.append("--dependency=afterok:" + afterOK.joined(separator: ":")) }
        args.append(script.path)
        let out = try call("sbatch", args).trimmingCharacters(in: .whitespacesAndNewlines)
        // `--parsable` prints `ID` or `ID;cluster`.
        let id = String(out.split(separator: ";").first ?? "")
        guard !id.isEmpty, id.allSatisfy({ $0.isNumber || $0 == "_" }) else {
            throw PipelineError.io("sbatch printed '\(out)' where a job id was expected")
        }
        return id
    }

    /// The state of each job id the controller still knows; ids it has forgotten are absent.
    public func states(_ ids: [String]) throws -> [String: SlurmJobState] {
        guard !ids.isEmpty else { return [:] }
        var out: [String: SlurmJobState] = [:]
        let listing = try call("squeue", ["--states=all", "--noheader", "--format=%i|%T|%r", "--jobs=" + ids.joined(separator: ",")],
                               allowFailure: true)
        for line in listing.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard parts.count >= 3 else { continue }
            out[parts[0]] = SlurmJobState(state: parts[1], reason: parts[2])
        }
        // squeue drops a whole answer when one id is unknown; ask the rest one by one.
        for id in ids where out[id] == nil {
            if let s = try scontrolState(id) { out[id] = s }
        }
        return out
    }

    /// `scontrol show job -o ID`: the state of a job squeue did not list, nil when unknown.
    func scontrolState(_ id: String) throws -> SlurmJobState? {
        let text = try call("scontrol", ["show", "job", "-o", id], allowFailure: true)
        func field(_ name: String) -> String? {
            guard let r = text.range(of: " \(name)=") ?? (text.hasPrefix("\(name)=") ? text.range(of: "\(name)=") : nil) else { return nil }
            return String(text[r.upperBound...].prefix { !$0.isWhitespace })
        }
        guard let state = field("JobState") else { return nil }
        return SlurmJobState(state: state, reason: field("Reason") ?? "None")
    }

    /// The controller's pending or running jobs whose name starts with `prefix`: name -> id
    /// (to adopt jobs whose id a killed submitter never recorded).
    public func activeJobs(namePrefix: String) throws -> [String: String] {
        let listing = try call("squeue", ["--noheader", "--format=%i|%j|%T", "--states=PENDING,RUNNING,CONFIGURING,COMPLETING,REQUEUED,SUSPENDED"],
                               allowFailure: true)
        var out: [String: String] = [:]
        for line in listing.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: "|").map(String.init)
            if parts.count >= 2, parts[1].hasPrefix(namePrefix) { out[parts[1]] = parts[0] }
        }
        return out
    }

    /// `scancel` the jobs (no error for ones already gone).
    public func cancel(_ ids: [String]) {
        guard !ids.isEmpty else { return }
        _ = try? call("scancel", ids, allowFailure: true)
    }

    /// `scontrol requeue ID`: the job goes back to the queue and runs again.
    public func requeue(_ id: String) throws {
        try call("scontrol", ["requeue", id])
    }
}
