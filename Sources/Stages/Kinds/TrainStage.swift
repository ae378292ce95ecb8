import ConvNet
import Datasets
import Experiment
import Foundation
import Pipeline
import Storage

/// `train`: trains the network on the train split, checkpointing into its work folder so an
/// interrupted run resumes exactly. Outputs `weights-epoch-<e>.bin` per snapshot epoch,
/// `history.csv` (deterministic: no wall-clock column), `timings.csv` (seconds per epoch)
/// and `architecture.json`.
struct TrainStage: ParameterizedStage {
    struct Parameters: StageParameters {
        var seed: Int
        var model: ModelSettings
        var loss: LossSettings
        var batch: BatchSettings
        var optimizer: OptimizerSettings
        var schedule: ScheduleSettings
        var augment: AugmentSettings
        var epochs: Int
        var stepsPerEpoch: Int
        var snapshots: [Int]

        enum CodingKeys: String, CodingKey {
            case seed, model, loss
            case batch = "training.batch"
            case optimizer = "training.optimizer"
            case schedule = "training.schedule"
            case augment = "training.augment"
            case epochs = "training.epochs"
            case stepsPerEpoch = "training.steps_per_epoch"
            case snapshots = "training.snapshots"
        }

        /// The trainer's configuration; `checkpointEvery` changes no result.
        func training(checkpointEvery: Int) -> TrainingConfig {
            TrainingConfig(epochs: epochs, stepsPerEpoch: stepsPerEpoch, batch: batch.config, optimizer: optimizer.config,
                           schedule: schedule.config, augment: augment.config, snapshots: snapshots,
                           checkpointEvery: checkpointEvery)
        }
    }

    let kind = "train"
    let version = 1
    let parameters: Parameters
    /// Epochs between checkpoints: not in the key (it changes no output).
    let checkpointEvery: Int
    let source: String
    let snapshots: [Int]
    var inputs: [String] { [source, "split"] }

    var stopsGracefully: Bool { true }

    /// The trainer's checkpoint, history and snapshot weights (see `Trainer`).
    func keepsOnResume(_ path: String) -> Bool {
        path == Checkpoint.fileName || path == "history.csv" || path == "timings.csv"
            || (path.hasPrefix("weights-epoch-") && path.hasSuffix(".bin"))
    }

    func publishedPath(of file: String) -> String? {
        switch file {
        case "history.csv", "timings.csv": return file
        case "architecture.json": return "model/architecture.json"
        case WeightsFile.fileName(epoch: snapshots.last ?? 0): return "model/weights.bin"
        default: return nil
        }
    }

    func describePartial(work: URL) -> String? {
        do {
            guard let checkpoint = try Checkpoint.peek(workFolder: work) else { return "no checkpoint yet: restarts at epoch 1" }
            if let partial = checkpoint.partial {
                return "resumable after epoch \(checkpoint.epoch), step \(partial.step) of epoch \(partial.epoch)"
            }
            return "resumable after epoch \(checkpoint.epoch)"
        } catch {
            return "unreadable checkpoint: \(error)"
        }
    }

    func run(_ context: StageContext) throws {
        let store = try ImageStore(directory: context.input(source).file("store"))
        let split = try SplitFile.read(context.input("split").file("split.json"))
        let network = parameters.model.config
        let training = parameters.training(checkpointEvery: checkpointEvery)
        let trainer = try Trainer(store: store, split: split, network: network, loss: parameters.loss.config,
                                  training: training, seed: UInt64(parameters.seed), workFolder: context.work)
        let started = Date()
        var lastLoss: Float = .nan
        var stepsDone = 0
        let totalSteps = training.epochs * training.stepsPerEpoch
        do {
            try trainer.run(progress: { p in
                stepsDone += 1
                lastLoss = p.loss
                let done = (p.epoch - 1) * p.steps + p.step
                let rate = Double(stepsDone) / max(1e-9, Date().timeIntervalSince(started))
                let eta = Double(totalSteps - done) / max(rate, 1e-9)
                context.progress.status(String(format: "train: epoch %d/%d step %d/%d loss %.4f lr %.2g  %.1f steps/s  ETA %@",
                                               p.epoch, p.epochs, p.step, p.steps, p.loss, p.lr, rate, formatDuration(eta) as NSString))
            }, epochDone: { row in
                // Printed once the epoch's files are on disk.
                context.progress.line(String(format: "train: epoch %d/%d done, last loss %.4f, lr %.3g",
                                             row.epoch, training.epochs, lastLoss, row.lr))
            }, shouldStop: context.stopRequested)
        } catch let ConvNetError.interrupted(epoch, step, steps) {
            throw StageInterrupted(detail: "epoch \(epoch), step \(step) of \(steps); checkpoint saved")
        }
        // The checkpoint is only for resuming: the committed output keeps weights and history.
        try? FileManager.default.removeItem(at: trainer.checkpointURL)
        let architecture = JSONValue.object([
            "input_side": .int(store.side), "channels": .array(network.channels.map { .int($0) }),
            "batch_norm": .bool(network.batchNorm), "dropout": .double(Double(network.dropout)),
            "embedding": .int(network.embedding), "output": .string(network.output.rawValue),
            "classes": .array(store.classes.map { .string($0) }),
        ])
        try AtomicFile.write(architecture.pretty, to: context.work.appendingPathComponent("architecture.json"))
    }
}

/// `1h02m`, `3m05s`, `12s`.
func formatDuration(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "?" }
    let s = Int(seconds.rounded())
    if s >= 3600 { return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60) }
    if s >= 60 { return String(format: "%dm%02ds", s / 60, s % 60) }
    return "\(s)s"
}
