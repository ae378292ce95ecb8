import ConvNet
import Datasets
import Experiment
import Foundation
import Pipeline
import Storage

/// Reads the ConvNet configuration out of the resolved experiment.
enum NetworkSettings {
    static func network(_ v: ResolvedValues) -> NetworkConfig {
        NetworkConfig(channels: v.ints("model.channels"), batchNorm: v.bool("model.batch_norm"),
                      dropout: Float(v.double("model.dropout")), embedding: v.int("model.embedding"),
                      output: OutputTransform(rawValue: v.string("model.output")) ?? .l2)
    }

    static func loss(_ v: ResolvedValues) -> LossConfig {
        LossConfig(variant: LossVariant(rawValue: v.string("loss.variant")) ?? .stdTriplet,
                   margin: Float(v.double("loss.margin")),
                   softMargin: v.string("loss.variant") == "batch_hard" && v.bool("loss.soft_margin"),
                   distance: v.value("loss.distance").stringValue.flatMap(LossDistance.init(rawValue:)))
    }

    static func training(_ v: ResolvedValues) -> TrainingConfig {
        let lr = Float(v.double("training.optimizer.lr"))
        let decay = Float(v.double("training.optimizer.weight_decay"))
        let optimizer: OptimizerConfig = v.string("training.optimizer.name") == "sgd"
            ? .sgd(lr: lr, momentum: Float(v.double("training.optimizer.momentum")),
                   nesterov: v.bool("training.optimizer.nesterov"), weightDecay: decay)
            : .adam(lr: lr, beta1: Float(v.double("training.optimizer.beta1")),
                    beta2: Float(v.double("training.optimizer.beta2")), weightDecay: decay)
        let factor = v.value("training.schedule.factor").doubleValue.map(Float.init)
        let kind: ScheduleConfig.Kind
        switch v.string("training.schedule.name") {
        case "step": kind = .step(every: v.int("training.schedule.every"), factor: factor ?? 0.1)
        case "exponential": kind = .exponential(gamma: Float(v.double("training.schedule.gamma")))
        case "cosine": kind = .cosine(minLR: Float(v.double("training.schedule.min_lr")))
        case "restarts": kind = .restarts(period: v.int("training.schedule.period"), factor: factor ?? 2,
                                          minLR: Float(v.double("training.schedule.min_lr")))
        default: kind = .constant
        }
        let batch: BatchConfig
        if let p = v.optionalInt("training.batch.classes"), let k = v.optionalInt("training.batch.per_class") {
            batch = .pk(classes: p, perClass: k)
        } else {
            batch = .triplets(v.optionalInt("training.batch.triplets") ?? 32)
        }
        return TrainingConfig(epochs: v.int("training.epochs"), stepsPerEpoch: v.int("training.steps_per_epoch"),
                              batch: batch, optimizer: optimizer,
                              schedule: ScheduleConfig(kind: kind, warmupEpochs: v.int("training.schedule.warmup_epochs")),
                              augment: AugmentConfig(flip: v.bool("training.augment.flip"), rotate90: v.bool("training.augment.rotate90")),
                              snapshots: v.ints("training.snapshots"), checkpointEvery: v.int("training.checkpoint_every"))
    }
}

/// `train`: trains the network on the train split, checkpointing into its work folder so an
/// interrupted run resumes exactly. Outputs `weights-epoch-<e>.bin` per snapshot epoch,
/// `history.csv` (deterministic: no wall-clock column), `timings.csv` (seconds per epoch)
/// and `architecture.json`.
struct TrainStage: Stage {
    let kind = "train"
    let version = 1
    let values: ResolvedValues
    let source: String
    let snapshots: [Int]
    var inputs: [String] { [source, "split"] }

    var params: JSONValue {
        values.params(["seed"] + ResolvedValues.paths(under: "model.") + ResolvedValues.paths(under: "loss.")
                      + ResolvedValues.paths(under: "training."))
    }

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
        let network = NetworkSettings.network(values)
        let training = NetworkSettings.training(values)
        let trainer = try Trainer(store: store, split: split, network: network, loss: NetworkSettings.loss(values),
                                  training: training, seed: values.seed, workFolder: context.work)
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
