import Foundation
import Storage

/// Computes the nodes of one or more planned DAGs as Slurm batch jobs over a shared
/// artifact store, then returns; the caller assembles run folders from the cache as
/// after a local run.
///
/// Every node that is not cached becomes one job running `krill stage PLANKEY` (see
/// `StoredPlan`), chained to the jobs of its inputs with `--dependency=afterok`. Nodes
/// with the same plan key (sweep members sharing a `split`) are one job. The job folder
/// `cache/jobs/<kind>-<plan key>/` holds `job.sh`, `job.log` and `job.id`; a rerun after
/// anything (a killed submitter, a cancelled or failed job) adopts the jobs still queued
/// or running instead of submitting them twice, and submits the rest. A node is done when
/// its stage is committed in the cache, not when Slurm says so.
///
/// SIGINT/SIGTERM (`InterruptFlag`) cancels the jobs this call follows (`scancel`; a
/// training job saves its checkpoint on the SIGTERM that brings) and throws
/// `PipelineError.interrupted`.
public final class SlurmExecutor {
    public let store: ArtifactStore
    public let settings: SlurmSettings
    public let client: SlurmClient
    public let progress: ProgressSink
    public let interrupts: InterruptFlag

    public init(store: ArtifactStore, settings: SlurmSettings, progress: ProgressSink, interrupts: InterruptFlag = .shared) {
        self.store = store
        self.settings = settings
        self.client = SlurmClient(environment: settings.environment)
        self.progress = progress
        self.interrupts = interrupts
    }

    /// One DAG to satisfy: its executor (for cache lookups) and its stored plans.
    public struct Work {
        public let executor: Executor
        public let plans: [String: StoredPlan]
        /// The nodes wanted (with their ancestors); nil: all.
        public let targets: Set<String>?
        /// Prefixed to node names in progress lines (a sweep member's name).
        public let label: String

        public init(executor: Executor, plans: [String: StoredPlan], targets: Set<String>? = nil, label: String = "") {
            self.executor = executor
            self.plans = plans
            self.targets = targets
            self.label = label
        }
    }

    /// What became of the jobs.
    public struct Outcome: Sendable {
        /// Plan key -> how its stage was satisfied by a job (`computed` or `resumed`) and
        /// the seconds its body took (from the commit's manifest).
        public var computed: [String: (state: StageState, seconds: Double, job: String)] = [:]
        /// Jobs submitted by this call and jobs adopted from an earlier one.
        public var submitted = 0
        public var adopted = 0

        public init() {}
    }

    /// One node followed (possibly shared by several works).
    final class Tracked {
        let plan: StoredPlan
        /// Where to look it up: the first work that has it, and its node name there.
        let executor: Executor
        let node: String
        let label: String
        var inputs: [String] = []   // plan keys
        var job: String?
        var state: SlurmJobState?
        var shown = ""
        var done = false
        var failed = false

        init(plan: StoredPlan, executor: Executor, node: String, label: String) {
            self.plan = plan
            self.executor = executor
            self.node = node
            self.label = label
        }

        var name: String { label + node }
        var jobName: String { "krill-\(node)-\(plan.planKey.prefix(12))" }
    }

    /// Computes every uncached node of `works` as Slurm jobs.
    /// - Throws: `PipelineError.stageFailed` when a job failed (after the others have
    ///   finished; jobs that needed it are cancelled), `PipelineError.interrupted` on
    ///   SIGINT/SIGTERM (after cancelling the jobs), `PipelineError.io` when Slurm cannot
    ///   be reached.
    public func run(_ works: [Work]) throws -> Outcome {
        var tracked: [String: Tracked] = [:]
        var order: [String] = []
        var known: [ObjectIdentifier: [String: CommittedStage]] = [:]
        func committed(_ t: Tracked) -> CommittedStage? {
            var k = known[ObjectIdentifier(t.executor)] ?? [:]
            defer { known[ObjectIdentifier(t.executor)] = k }
            return t.executor.cachedOutput(of: t.node, known: &k)
        }
        // The nodes to compute, inputs first, one per plan key.
        for work in works {
            let graphOrder = try work.executor.graph.topologicalOrder()
            let wanted = work.executor.graph.needed(for: work.targets)
            for node in graphOrder where wanted.contains(node) {
                let plan = work.plans[node]!
                if tracked[plan.planKey] != nil { continue }
                let t = Tracked(plan: plan, executor: work.executor, node: node, label: work.label)
                t.inputs = work.executor.graph.nodes[node]!.inputs.map { work.plans[$0]!.planKey }
                tracked[plan.planKey] = t
                order.append(plan.planKey)
            }
        }
        var outcome = Outcome()
        var pending = order.filter { key in
            let t = tracked[key]!
            if committed(t) != nil { t.done = true; return false }
            return true
        }
        guard !pending.isEmpty else { return outcome }

        // Jobs recorded by earlier submitters (job.id), or queued under our name when a
        // killed submitter never recorded the id.
        let byName = try client.activeJobs(namePrefix: "krill-")
        var recorded: [String: String] = [:]
        for key in pending {
            let t = tracked[key]!
            let idFile = store.jobFolder(kind: t.plan.kind, planKey: key).appendingPathComponent("job.id")
            if let text = try? String(contentsOf: idFile, encoding: .utf8) {
                recorded[key] = text.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            if let id = byName[t.jobName], recorded[key] != id {
                // The queue has a job under our name the record does not know: adopt that one.
                recorded[key] = id
            }
        }
        let earlier = try client.states(Array(Set(recorded.values)))

        // Adopt or submit, inputs first.
        var resubmitted = Set<String>()
        for key in pending {
            let t = tracked[key]!
            if let id = recorded[key], let s = earlier[id], !s.isTerminal, !s.isStuck,
               s.isRunning || !t.inputs.contains(where: { resubmitted.contains($0) }) {
                t.job = id
                t.state = s
                t.shown = s.isRunning ? "running" : "pending"
                outcome.adopted += 1
                progress.line("\(t.name): adopted job \(id) (\(s.state.lowercased()))")
                continue
            }
            if let id = recorded[key], let s = earlier[id], !s.isTerminal { client.cancel([id]) }
            let deps = t.inputs.compactMap { tracked[$0] }.filter { !$0.done }.compactMap(\.job)
            t.job = try submit(t, afterOK: deps)
            t.state = SlurmJobState(state: "PENDING", reason: deps.isEmpty ? "None" : "Dependency")
            resubmitted.insert(key)
            outcome.submitted += 1
            progress.line("\(t.name): submitted job \(t.job!)" + (deps.isEmpty ? "" : " (after \(deps.joined(separator: ", ")))"))
        }

        // Follow until every job has ended.
        var failures: [(node: String, message: String)] = []
        while !pending.isEmpty {
            if let signal = interrupts.requested {
                let active = pending.compactMap { tracked[$0]!.job }
                client.cancel(active)
                progress.line("cancelled \(active.count) Slurm job\(active.count == 1 ? "" : "s") of this run (scancel \(active.joined(separator: " "))); rerun the same command to resume")
                throw PipelineError.interrupted(signal: signal, stopped: pending.filter { tracked[$0]!.state?.isRunning == true }.map { tracked[$0]!.name + " (job \(tracked[$0]!.job!))" })
            }
            let states = try client.states(pending.compactMap { tracked[$0]!.job })
            var still: [String] = []
            for key in pending {
                let t = tracked[key]!
                let s = states[t.job!] ?? SlurmJobState(state: "UNKNOWN", reason: "None")
                let was = t.state
                t.state = s
                let requeued = s.state == "PENDING" && (was?.isRunning == true || t.shown.hasPrefix("requeued"))
                let word = s.isRunning ? "running" : requeued ? "requeued, pending" : s.state == "PENDING" ? "pending" : s.state.lowercased()
                if !s.isTerminal && s.state != "UNKNOWN" {
                    if word != t.shown {
                        t.shown = word
                        progress.line("\(t.name): \(word) (job \(t.job!)" + (s.state == "PENDING" && s.reason != "None" ? ", \(s.reason)" : "") + ")")
                    }
                    if s.isStuck {
                        t.failed = true
                        client.cancel([t.job!])
                        progress.line("\(t.name): not run (job \(t.job!)): a stage it needs failed")
                        continue
                    }
                    still.append(key)
                    continue
                }
                // Ended, or forgotten by the controller: the cache says whether it worked.
                if let c = committed(t) {
                    t.done = true
                    let state: StageState = c.manifest.resumed ? .resumed : .computed
                    outcome.computed[key] = (state, c.manifest.seconds, t.job!)
                    progress.line("\(t.name): done (job \(t.job!), \(String(format: "%.2f", c.manifest.seconds)) s\(c.manifest.resumed ? ", resumed" : ""))")
                    continue
                }
                if s.state == "COMPLETED" || s.state == "UNKNOWN" {
                    // Give the shared filesystem a moment to show the commit, once.
                    if t.shown != "settling" { t.shown = "settling"; still.append(key); continue }
                }
                t.failed = true
                let message = failureMessage(t, state: s)
                failures.append((t.name, message))
                progress.line(message)
                // Jobs that needed it can never run: cancel them now.
                let dependents = pending.filter { tracked[$0]!.job != nil && needs(tracked[$0]!, key, tracked) }
                for d in dependents where !tracked[d]!.failed {
                    tracked[d]!.failed = true
                    client.cancel([tracked[d]!.job!])
                    progress.line("\(tracked[d]!.name): cancelled job \(tracked[d]!.job!): it needs \(t.name)")
                }
            }
            pending = still.filter { !tracked[$0]!.failed }
            if !pending.isEmpty { Thread.sleep(forTimeInterval: settings.pollSeconds) }
        }
        if let first = failures.first {
            throw PipelineError.stageFailed(node: first.node, message: failures.count == 1 ? "its Slurm job failed"
                                            : "its Slurm job failed (and \(failures.count - 1) more: \(failures.dropFirst().map(\.node).joined(separator: ", ")))")
        }
        return outcome
    }

    /// Whether `t` depends on plan key `key`, directly or not.
    func needs(_ t: Tracked, _ key: String, _ tracked: [String: Tracked]) -> Bool {
        var stack = t.inputs, seen = Set<String>()
        while let k = stack.popLast() {
            if k == key { return true }
            if seen.insert(k).inserted, let next = tracked[k] { stack += next.inputs }
        }
        return false
    }

    /// Writes the node's stored plan and job script, submits it, records the job id.
    func submit(_ t: Tracked, afterOK: [String]) throws -> String {
        try t.plan.write(to: store)
        let folder = store.jobFolder(kind: t.plan.kind, planKey: t.plan.planKey)
        try AtomicFile.makeFolders(folder)
        let script = folder.appendingPathComponent("job.sh")
        try AtomicFile.write(jobScript(t, folder: folder), to: script)
        chmod(script.path, 0o755)
        let id = try client.submit(script: script, afterOK: afterOK)
        try AtomicFile.write(id + "\n", to: folder.appendingPathComponent("job.id"))
        return id
    }

    /// The batch script of a node: resources as `#SBATCH` lines, so that `sbatch job.sh`
    /// alone reruns it; the log appended across attempts; krill `exec`uted so that Slurm's
    /// signals reach it.
    func jobScript(_ t: Tracked, folder: URL) -> String {
        let r = settings.resources(t.plan.kind)
        var lines = ["#!/bin/sh",
                     "#SBATCH --job-name=\(t.jobName)",
                     "#SBATCH --output=\(folder.appendingPathComponent("job.log").path)",
                     "#SBATCH --open-mode=append",
                     "#SBATCH --chdir=\(settings.directory)",
                     "#SBATCH --cpus-per-task=\(r.cpus)",
                     "#SBATCH --requeue"]
        if let p = r.partition { lines.append("#SBATCH --partition=\(p)") }
        if let m = r.memory { lines.append("#SBATCH --mem=\(m)") }
        if let time = r.time {
            lines.append("#SBATCH --time=\(time)")
            if settings.signalSeconds > 0, let limit = SlurmResources.seconds(ofTime: time), limit > settings.signalSeconds {
                // Slurm signals within 60 s of the given time: ask early enough.
                lines.append("#SBATCH --signal=B:USR1@\(settings.signalSeconds)")
            }
        }
        for flag in r.extra { lines.append("#SBATCH \(flag)") }
        lines.append("# \(t.plan.kind) stage \(t.node), plan \(t.plan.planKey): written by krill run --executor slurm")
        lines.append("echo \"== krill: job $SLURM_JOB_ID (restart ${SLURM_RESTART_COUNT:-0}) on $(hostname) at $(date -u +%Y-%m-%dT%H:%M:%SZ)\"")
        lines += settings.setup
        lines.append("exec " + settings.command(t.plan.planKey))
        return lines.joined(separator: "\n") + "\n"
    }

    /// A failed job: its state, its log's last lines, and how to rerun.
    func failureMessage(_ t: Tracked, state: SlurmJobState) -> String {
        let folder = store.jobFolder(kind: t.plan.kind, planKey: t.plan.planKey)
        let log = folder.appendingPathComponent("job.log")
        let tail = ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(whereSeparator: \.isNewline).suffix(12)
        var text = "\(t.name): failed (job \(t.job!), \(state.state.lowercased())"
            + (state.reason != "None" ? ", \(state.reason)" : "") + ")"
        text += tail.isEmpty ? "; it never started (its log \(log.path) is empty)"
            : "; the end of \(log.path):\n" + tail.map { "    " + $0 }.joined(separator: "\n")
        text += "\n  rerun this stage alone: \(settings.command(t.plan.planKey))"
        text += "\n  or submit it again: sbatch \(folder.appendingPathComponent("job.sh").path)"
        return text
    }
}
