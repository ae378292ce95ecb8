import Experiment
import Foundation
import Pipeline
import Storage

/// `krill stage PLANKEY`: what a cluster job runs. Reads the stored plan, rebuilds the
/// experiment it came from (from the resolved text stored beside it, in the folder the
/// submitter ran in), plans it again, checks that the node there still has the plan key
/// it was asked for, and runs that node alone against the store: the same compute lock,
/// the same atomic commit, a cache hit when it is done already.
public struct StageJob {
    public let store: ArtifactStore
    public let progress: ProgressSink

    public init(store: ArtifactStore, progress: ProgressSink) {
        self.store = store
        self.progress = progress
    }

    /// Runs the stage of `planKey`; returns its plan and record.
    /// - Throws: `PipelineError.notFound` (no such plan, an input not committed),
    ///   `.stageFailed`, `StageInterrupted` (stopped at a safe point by SIGINT, SIGTERM or
    ///   SIGUSR1: the checkpoint is kept), `ConfigErrors` when the stored experiment no
    ///   longer plans (e.g. its data folder is gone).
    public func run(_ planKey: String) throws -> (plan: StoredPlan, record: StageRecord) {
        let plan = try StoredPlan.read(planKey, from: store)
        guard let name = plan.recipe["experiment"]?.stringValue, let directory = plan.recipe["directory"]?.stringValue else {
            throw PipelineError.io("\(store.planURL(planKey).path): the plan has no experiment recipe")
        }
        let file = store.plansFolder.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw PipelineError.notFound("\(file.path): the stored experiment of plan \(planKey) is missing")
        }
        guard FileManager.default.changeCurrentDirectoryPath(directory) else {
            throw PipelineError.io("\(directory): cannot enter the folder the run was submitted from (is it on the shared filesystem?)")
        }
        let experiment = try ExperimentRunner.load(file.path, overrides: [])
        let planned = try Planner.plan(experiment, memo: store.memo())
        let keys = try StoredPlan.planKeys(of: planned.graph)
        guard keys[plan.node] == planKey else {
            throw PipelineError.notFound("plan \(planKey) (\(plan.node)) does not plan the same way here: "
                                         + "is this the same krill version, and the same data, as the submitter's?")
        }
        let executor = Executor(store: store, graph: planned.graph, progress: progress, jobs: 1, memo: planned.memo)
        defer { executor.releaseLocks() }
        return (plan, try executor.runAlone(plan.node))
    }
}
