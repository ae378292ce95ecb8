import ArgumentParser
import Foundation
import Linalg
import Pipeline
import Stages

/// `krill stage PLANKEY`: runs one planned stage on its own; what a Slurm job runs.
struct StageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stage",
        abstract: "Run one planned stage alone, by its plan key (what a cluster job runs).",
        discussion: """
            `krill run --executor slurm` stores each stage's plan under cache/plans/ and submits \
            jobs that run `krill stage PLANKEY --artifacts DIR`. The stage takes the same lock and \
            makes the same atomic commit as in `krill run`; its inputs must be committed already. \
            SIGINT, SIGTERM and SIGUSR1 stop training at a safe point with a checkpoint; after \
            SIGUSR1 (Slurm's warning before a time limit) inside a Slurm job, the job requeues itself \
            and the next attempt resumes. Exit codes: 0 done (or cached), 1 the stage failed, 2 no \
            such plan or an input is missing, 128 + signal when stopped.
            """)

    @Argument(help: "The plan key (printed in job scripts; cache/plans/<key>.json).")
    var planKey: String
    @OptionGroup var artifactOptions: ArtifactOptions

    func validate() throws {
        guard planKey.count == 64, planKey.allSatisfy(\.isHexDigit) else {
            throw ValidationError("a plan key is 64 hex digits (the name of a file in cache/plans/)")
        }
    }

    func run() throws {
        Gemm.useSingleThreadedBLAS()
        let progress = StderrProgress()
        InterruptFlag.shared.installHandlers(signals: [SIGINT, SIGTERM, SIGUSR1]) { _ in progress.endStatus() }
        let store = artifactOptions.store
        do {
            let (plan, record) = try StageJob(store: store, progress: progress).run(planKey)
            print("\(plan.node): \(record.state.rawValue) in \(String(format: "%.2f", record.seconds)) s (key \(record.key.prefix(12)))")
        } catch let stopped as StageInterrupted {
            let signal = InterruptFlag.shared.requested ?? SIGTERM
            progress.line("krill: stopped at a safe point: \(stopped.detail)")
            if signal == SIGUSR1, let job = ProcessInfo.processInfo.environment["SLURM_JOB_ID"] {
                do {
                    // Slurm ends this process as it requeues the job: say so first.
                    progress.line("krill: near the time limit: requeueing job \(job); the next attempt resumes from the checkpoint")
                    fflush(stderr)
                    try SlurmClient().requeue(job)
                    fflush(stdout)
                    _exit(0)
                } catch {
                    progress.line("krill: could not requeue job \(job): \(error)")
                }
            }
            fflush(stdout)
            _exit(128 + signal)
        } catch {
            throw reportFailure(error)
        }
    }
}
