import ConvNet
import Datasets
import Experiment
import Foundation
import Pipeline
import Storage

/// `train@e`: epoch e of training, one cached result per epoch: the chain of epochs.
///
/// Its key is the previous epoch's output digest plus what epoch e uses: the data, the
/// model, the loss, the batch, the optimiser, the learning rate of this epoch, the
/// augmentation and the seed. Not `training.epochs`, not the snapshots, not the schedule
/// itself (only the rate it gives this epoch): so raising `training.epochs` under a
/// schedule whose earlier rates do not change trains only the new epochs, and adding a
/// snapshot trains nothing.
///
/// Outputs: `weights.bin` (the network after epoch e, `WeightsFile`), `history.csv` (rows
/// 1...e), `architecture.json`, and `state.json`, naming by SHA-256 the optimiser state
/// after epoch e (`OptimizerStateFile`), stored as a side blob of the cache: `krill gc`
/// removes the states of epochs inside a chain and keeps those at chain ends. An epoch whose
/// previous state is gone replays the earlier epochs from the nearest kept state (or from
/// the start), checking each replayed epoch against its committed bytes.
///
/// The work folder holds `checkpoint.bin` when an attempt stopped mid-epoch (SIGINT,
/// SIGTERM, or every `training.checkpoint_steps` steps), and the next attempt continues
/// from that step.
struct TrainEpochStage: ParameterizedStage {
    struct Parameters: StageParameters {
        var epoch: Int
        /// The learning rate of this epoch (what the schedule gives it).
        var lr: Float
        var seed: Int
        var model: ModelSettings
        var loss: LossSettings
        var batch: BatchSettings
        var optimizer: OptimizerSettings
        var augment: AugmentSettings
        var stepsPerEpoch: Int
        /// `training.sampling`; nil for the default (uniform), so that files written before
        /// the key existed keep their keys.
        var sampling: ClassSampling?
        /// The trainer's fixed settings (validation batches, centroid sample).
        var trainer: TrainerOptions

        enum CodingKeys: String, CodingKey {
            case epoch, lr, seed, model, loss, trainer
            case batch = "training.batch"
            case optimizer = "training.optimizer"
            case augment = "training.augment"
            case stepsPerEpoch = "training.steps_per_epoch"
            case sampling = "training.sampling"
        }

        /// The trainer's configuration for running epoch `epoch` (the rate is given per epoch,
        /// so the schedule is not needed; nothing here varies with edits that leave this
        /// epoch's key unchanged).
        var training: TrainingConfig {
            TrainingConfig(epochs: epoch, stepsPerEpoch: stepsPerEpoch, batch: batch.config, optimizer: optimizer.config,
                           schedule: ScheduleConfig(), augment: augment.config, snapshots: [], checkpointEvery: 1,
                           sampling: sampling ?? .uniform)
        }
    }

    let kind = "train"
    /// 2: one stage per epoch (weights.bin, history.csv, state.json).
    let version = 2
    let parameters: Parameters
    let source: String
    /// Whether this is the experiment's last epoch: its files are the run folder's model/ and
    /// history.csv.
    let isLast: Bool
    /// Steps between mid-epoch checkpoints (0: only on SIGINT/SIGTERM). Not in the key.
    let checkpointSteps: Int
    /// `model.weights` (its SHA-256 is in the key, its location is not).
    let pretrained: URL?
    var epoch: Int { parameters.epoch }
    var previous: String? { epoch > 1 ? "train@\(epoch - 1)" : nil }
    /// With a frozen backbone, the head trains on the `features` stage's output.
    var frozen: Bool { parameters.model.frozen }
    var inputs: [String] { [source, "split"] + (frozen ? ["features"] : []) + (previous.map { [$0] } ?? []) }

    /// `training.augment` alone (the features stage computes its views).
    struct AugmentOnly: StageParameters {
        var augment: AugmentSettings
        enum CodingKeys: String, CodingKey {
            case augment = "training.augment"
        }
    }
    var stopsGracefully: Bool { true }

    static let weightsFile = "weights.bin", historyFile = "history.csv", stateFile = "state.json"

    func keepsOnResume(_ path: String) -> Bool { path == Checkpoint.fileName }

    func publishedPath(of file: String) -> String? {
        guard isLast else { return nil }
        switch file {
        case TrainEpochStage.historyFile: return "history.csv"
        case "architecture.json": return "model/architecture.json"
        case TrainEpochStage.weightsFile: return "model/weights.bin"
        default: return nil
        }
    }

    func describePartial(work: URL) -> String? {
        do {
            guard let checkpoint = try Checkpoint.peek(workFolder: work), let partial = checkpoint.partial else { return nil }
            return "resumable at step \(partial.step) of epoch \(partial.epoch)"
        } catch {
            return "unreadable checkpoint: \(error)"
        }
    }

    /// Plans epoch `epoch` of `experiment`.
    /// - Parameter pretrained: `model.weights` and its SHA-256, hashed once by the planner.
    init(experiment: ResolvedExperiment, epoch: Int, source: String, isLast: Bool, pretrained: (url: URL, sha256: String)? = nil) throws {
        let v = experiment.values
        let schedule = try ScheduleOnly.decode(experiment).schedule
        let rate = LearningRateSchedule(base: Float(v.double("training.optimizer.lr")), schedule: schedule.config,
                                        epochs: schedule.horizon ?? v.int("training.epochs")).rate(epoch: epoch)
        var p = try Parameters.decode(experiment, facts: ["epoch": .int(epoch), "lr": .double(Double("\(rate)")!),
                                                          "trainer": TrainerOptions().json])
        if p.sampling == .uniform { p.sampling = nil }
        p.model = p.model.normalized
        if p.model.weights != nil { p.model.weights = pretrained.map { "sha256:" + $0.sha256 } }
        parameters = p
        self.pretrained = p.model.weights == nil ? nil : pretrained?.url
        if parameters.lr != rate { fatalError("the rate of epoch \(epoch) does not survive its JSON form: \(rate) vs \(parameters.lr)") }
        self.source = source
        self.isLast = isLast
        checkpointSteps = v.int("training.checkpoint_steps")
    }

    func run(_ context: StageContext) throws {
        let store = try ImageStore(directory: context.input(source).file("store"))
        let split = try SplitFile.read(context.input("split").file("split.json"))
        let p = parameters
        let inputs: TrainingInputs = frozen ? try FeaturesStage.inputs(context.input("features"), store: store, split: split) : store
        let trainer = try Trainer(store: inputs, split: split, network: frozen ? p.model.config.headOnly : p.model.config,
                                  loss: p.loss.config, training: p.training, seed: UInt64(p.seed), workFolder: context.work, options: p.trainer)
        let backbone = frozen ? try WeightsFile.read(context.input("features").file(FeaturesStage.backboneFile)).network : nil
        var history: [EpochSummary]
        var partial: Checkpoint.PartialEpoch? = nil
        if let checkpoint = try trainer.restorePartialEpoch() {
            history = checkpoint.history
            partial = checkpoint.partial
        } else if let previous {
            history = try continueFrom(context.input(previous), trainer: trainer, context: context,
                                       compose: { try self.fullNetwork(trainer, store: store, backbone: backbone) })
        } else {
            history = []
            if let pretrained, !frozen {
                try PretrainedWeights.load(pretrained, expectedSHA256: p.model.weights, into: trainer.network)
            }
        }
        let started = Date()
        var stepsDone = 0
        let totalSteps = p.stepsPerEpoch - (partial?.step ?? 0)
        let row: EpochSummary
        do {
            row = try trainer.trainEpoch(epoch, lr: p.lr, history: history, partial: partial, checkpointSteps: checkpointSteps,
                                         progress: { s in
                stepsDone += 1
                let rate = Double(stepsDone) / max(1e-9, Date().timeIntervalSince(started))
                let eta = Double(totalSteps - stepsDone) / max(rate, 1e-9)
                context.progress.status(String(format: "train@%d: step %d/%d loss %.4f lr %.2g  %.1f steps/s  ETA %@",
                                               s.epoch, s.step, s.steps, s.loss, s.lr, rate, formatDuration(eta) as NSString))
            }, shouldStop: context.stopRequested)
        } catch let ConvNetError.interrupted(epoch, step, steps) {
            throw StageInterrupted(detail: "epoch \(epoch), step \(step) of \(steps); checkpoint saved")
        }
        let network = try fullNetwork(trainer, store: store, backbone: backbone)
        try write(trainer: trainer, network: network, store: store, history: history + [row], to: context.work, context: context)
        try? FileManager.default.removeItem(at: trainer.checkpointURL)
    }

    /// The network the epoch's weights file holds: the trainer's, or with a frozen backbone
    /// the backbone (from the features stage) with the trained head.
    func fullNetwork(_ trainer: Trainer, store: ImageStore, backbone: Network?) throws -> Network {
        guard let backbone else { return trainer.network }
        let full = try Network(config: parameters.model.config, inputSide: store.side, seed: UInt64(parameters.seed))
        full.copyTensors(from: backbone) { !Network.isHeadTensor($0) }
        full.copyTensors(from: trainer.network, where: Network.isHeadTensor)
        return full
    }

    /// Writes the epoch's files and its optimiser state blob.
    func write(trainer: Trainer, network: Network, store: ImageStore, history: [EpochSummary], to folder: URL, context: StageContext) throws {
        try AtomicFile.write(WeightsFile.encode(network, epoch: epoch), to: folder.appendingPathComponent(TrainEpochStage.weightsFile))
        try AtomicFile.write(HistoryCSV.render(history), to: folder.appendingPathComponent(TrainEpochStage.historyFile))
        let state = try OptimizerStateFile.encode(trainer.optimizer)
        let sha = try context.writeBlob(state)
        try AtomicFile.write(JSONValue.object(["optimizer_state_sha256": .string(sha), "bytes": .int(state.count),
                                               "optimizer_step": .int(trainer.optimizer.step)]).pretty,
                             to: folder.appendingPathComponent(TrainEpochStage.stateFile))
        var architecture: JSONValue
        if network.config.isPlain {
            architecture = .object([
                "input_side": .int(store.side), "channels": .array((parameters.model.channels ?? []).map { .int($0) }),
                "batch_norm": .bool(parameters.model.batchNorm ?? false), "dropout": .double(Double(Float(parameters.model.dropout))),
                "embedding": .int(parameters.model.embedding), "output": .string(parameters.model.output.rawValue),
                "classes": .array(store.classes.map { .string($0) }),
            ])
        } else {
            guard case .object(var fields) = TorchExport.architecture(network) else { fatalError("architecture is an object") }
            fields["dropout"] = .double(Double(Float(parameters.model.dropout)))
            fields["classes"] = .array(store.classes.map { .string($0) })
            fields["freeze"] = .string(frozen ? "backbone" : "none")
            architecture = .object(fields)
        }
        try AtomicFile.write(architecture.pretty, to: folder.appendingPathComponent("architecture.json"))
    }

    /// Restores the state after the previous epoch into `trainer` and returns its history
    /// rows. When the previous epoch's optimiser state was removed, replays the epochs from
    /// the nearest earlier one that kept its state (or from the start), checking each
    /// replayed epoch against its committed files.
    func continueFrom(_ previous: CommittedStage, trainer: Trainer, context: StageContext,
                      compose: () throws -> Network) throws -> [EpochSummary] {
        if let data = stateBlob(of: previous, context: context) {
            try trainer.restore(weights: previous.file(TrainEpochStage.weightsFile), optimizerState: data,
                                optimizerStatePath: "state of train@\(epoch - 1)")
            return try readHistory(previous)
        }
        // Find the nearest earlier epoch with its state; epoch 0 is the seeded initialisation.
        var start = 0
        var history: [EpochSummary] = []
        for k in stride(from: epoch - 2, through: 1, by: -1) {
            guard let entry = context.committed("train@\(k)"), let data = stateBlob(of: entry, context: context) else { continue }
            try trainer.restore(weights: entry.file(TrainEpochStage.weightsFile), optimizerState: data,
                                optimizerStatePath: "state of train@\(k)")
            history = try readHistory(entry)
            start = k
            break
        }
        context.progress.line("train@\(epoch): the optimiser state of epoch \(epoch - 1) was removed by gc; "
                              + "replaying epochs \(start + 1)-\(epoch - 1) to recover it")
        for j in (start + 1)..<epoch {
            guard let entry = context.committed("train@\(j)") else {
                throw PipelineError.graph("train@\(epoch) needs train@\(j) to replay the chain")
            }
            let lr = try JSONDecoder().decode(Parameters.self, from: Data(entry.manifest.params.canonical.utf8)).lr
            let row = try trainer.trainEpoch(j, lr: lr, history: history, partial: nil)
            history.append(row)
            // The replayed epoch must be the committed one, bit for bit.
            let weights = try WeightsFile.encode(try compose(), epoch: j)
            let expected = entry.manifest.files.first { $0.path == TrainEpochStage.weightsFile }?.sha256
            guard SHA256.hex(weights) == expected, HistoryCSV.render(history) == (try? String(contentsOf: entry.file(TrainEpochStage.historyFile), encoding: .utf8)) else {
                throw PipelineError.io("replaying train@\(j) gave other bytes than its cache entry: training is not deterministic here")
            }
            _ = try context.writeBlob(try OptimizerStateFile.encode(trainer.optimizer))
        }
        return history
    }

    /// The optimiser state blob named by an epoch's `state.json`, if it is still stored.
    func stateBlob(of entry: CommittedStage, context: StageContext) -> Data? {
        guard let data = FileManager.default.contents(atPath: entry.file(TrainEpochStage.stateFile).path),
              let sha = (try? JSONValue.parse(data))?["optimizer_state_sha256"]?.stringValue else { return nil }
        return context.readBlob(sha)
    }

    func readHistory(_ entry: CommittedStage) throws -> [EpochSummary] {
        let url = entry.file(TrainEpochStage.historyFile)
        return try HistoryCSV.parse(try String(contentsOf: url, encoding: .utf8), path: url.path)
    }
}

/// `training.schedule` alone (each epoch's rate is computed when the chain is planned).
private struct ScheduleOnly: StageParameters {
    var schedule: ScheduleSettings
    enum CodingKeys: String, CodingKey {
        case schedule = "training.schedule"
    }
}

extension TrainerOptions {
    /// As a plan fact: the trainer's fixed settings are part of every epoch's key.
    var json: JSONValue {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(self), let value = try? JSONValue.parse(data) else { fatalError("TrainerOptions do not encode") }
        return value
    }
}

/// What an epoch did, for the line printed when it is committed.
extension TrainEpochStage {
    func outcome(_ output: CommittedStage) -> String? {
        guard let rows = try? readHistory(output), let row = rows.last else { return nil }
        return String(format: "loss %.4f, validation loss %.4f, monitor nearest-centroid accuracy %.3f, lr %.3g",
                      row.trainLoss, row.valLoss, row.monitorNearestCentroidAccuracy, row.lr)
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
