import Experiment
import Foundation
import Linalg
import Pipeline
import Storage

/// `krill run FILE --sweep key=a,b,c ...`: every member of the sweep is an ordinary run
/// named `<name>/<member>`; members share the cache (a stage two members have in common is
/// computed once: the second waits for the first's lock and takes its result), `jobs`
/// members run side by side, and nothing in a member's result depends on that. When all
/// members are done, `sweeps/<name>/<n>/` gets `sweep.csv`, `sweep.json`, `sweep.html` and
/// plots (`SweepReport`).
public struct SweepRunner {
    public let runner: ExperimentRunner

    public init(runner: ExperimentRunner) { self.runner = runner }

    /// What became of one member.
    public struct MemberResult: Sendable {
        public let member: SweepMember
        public let folder: RunFolder?
        public let records: [StageRecord]
        public let error: String?
    }

    /// A sweep that did not finish: some members failed or were interrupted.
    public struct Stopped: Error, CustomStringConvertible {
        public let results: [MemberResult]
        /// The signal when SIGINT/SIGTERM stopped it.
        public let signal: Int32?
        public var description: String {
            let failed = results.filter { $0.error != nil }
            return "\(failed.count) of \(results.count) sweep members did not finish:\n"
                + failed.map { "  \($0.member.name): \($0.error!)" }.joined(separator: "\n")
        }
    }

    /// Runs every member (up to `jobs` at once), then writes the sweep folder.
    /// - Parameter options: applied to each member (its name becomes `<name>/<member>`).
    /// - Throws: `Stopped` when a member failed or the sweep was interrupted (the members
    ///   that finished have their run folders; rerunning resumes the rest).
    public func run(_ plan: SweepPlan, name: String, jobs: Int, options: ExperimentRunner.Options) throws
        -> (folder: RunFolder, results: [MemberResult]) {
        var outcomes: [SlurmExecutor.Outcome] = []
        if let slurm = options.slurm, options.slurmOutcome == nil {
            // Every member's stages as jobs at once (a stage members share is one job), then
            // the members' run folders from the cache.
            var works: [SlurmExecutor.Work] = []
            var executors: [Executor] = []
            defer { executors.forEach { $0.releaseLocks() } }
            for member in plan.members {
                let planned = try runner.plan(member.experiment)
                let executor = runner.executor(for: planned)
                executors.append(executor)
                try executor.lockKnownKeys()
                let targets = try options.until.map { Set(try ExperimentRunner.nodes($0, in: planned.graph)) }
                works.append(.init(executor: executor, plans: try runner.storedPlans(planned, experiment: member.experiment, directory: slurm.directory),
                                   targets: targets, label: "[\(member.name)] "))
            }
            do {
                let outcome = try SlurmExecutor(store: runner.store, settings: slurm, progress: runner.progress).run(works)
                // A stage members share was computed once: by the first member that has it.
                var claimed = Set<String>()
                for work in works {
                    var mine = SlurmExecutor.Outcome()
                    for plan in work.plans.values where claimed.insert(plan.planKey).inserted {
                        if let done = outcome.computed[plan.planKey] { mine.computed[plan.planKey] = done }
                    }
                    outcomes.append(mine)
                }
            } catch {
                var signal: Int32? = nil
                if let e = error as? PipelineError, case .interrupted(let s, _) = e { signal = s }
                throw Stopped(results: plan.members.map { MemberResult(member: $0, folder: nil, records: [], error: describe(error)) }, signal: signal)
            }
        }
        let jobs = options.slurm == nil ? jobs : 1
        let memberOutcomes = outcomes
        let box = ResultBox(count: plan.members.count)
        // One member per chunk: worker w takes members w, w + jobs, ... in order.
        Parallel.forEachChunk(plan.members.count, chunks: plan.members.count, threads: max(1, jobs)) { _, i, _ in
            let member = plan.members[i]
            var memberOptions = options
            memberOptions.name = name + "/" + member.name
            memberOptions.sweep = (name, member.assignments)
            if i < memberOutcomes.count { memberOptions.slurmOutcome = memberOutcomes[i] }
            let memberRunner = ExperimentRunner(store: runner.store, progress: PrefixedProgress(prefix: "[\(member.name)] ", inner: runner.progress),
                                                jobs: 1, krillVersion: runner.krillVersion, environment: runner.environment)
            do {
                let (folder, records) = try memberRunner.run(member.experiment, options: memberOptions)
                box.set(i, MemberResult(member: member, folder: folder, records: records, error: nil))
            } catch let stopped as RunStopped {
                var signal: Int32? = nil
                if let e = stopped.error as? PipelineError, case .interrupted(let s, _) = e { signal = s }
                box.set(i, MemberResult(member: member, folder: nil, records: stopped.records, error: "\(stopped.error)"), signal: signal)
            } catch {
                box.set(i, MemberResult(member: member, folder: nil, records: [], error: describe(error)))
            }
        }
        let results = box.results
        if box.signal != nil || results.contains(where: { $0.error != nil }) {
            throw Stopped(results: results, signal: box.signal)
        }
        let draft = try RunDraft(store: runner.store, name: name, under: runner.store.sweepsFolder)
        defer { draft.discard() }
        try SweepReport(plan: plan, name: name, results: results).write(into: draft.url)
        let folder = try draft.finish { _ in }
        return (folder, results)
    }
}

/// Member results filled in from several threads.
final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [SweepRunner.MemberResult?]
    private(set) var signal: Int32?

    init(count: Int) { items = Array(repeating: nil, count: count) }

    func set(_ i: Int, _ r: SweepRunner.MemberResult, signal: Int32? = nil) {
        lock.lock()
        items[i] = r
        if let signal { self.signal = signal }
        lock.unlock()
    }

    var results: [SweepRunner.MemberResult] {
        lock.lock()
        defer { lock.unlock() }
        return items.compactMap { $0 }
    }
}

/// A progress sink that prefixes every line (a sweep member's name).
struct PrefixedProgress: ProgressSink {
    let prefix: String
    let inner: ProgressSink
    func line(_ text: String) { inner.line(prefix + text) }
    func status(_ text: String) { inner.status(prefix + text) }
}
