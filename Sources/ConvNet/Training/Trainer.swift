import Datasets
import Foundation
import Linalg
import Storage

/// Knobs of the trainer that the experiment file does not set.
public struct TrainerOptions: Codable, Hashable, Sendable {
    /// Fixed validation triplets for the validation loss of triplet batches.
    public var validationTriplets: Int
    /// Fixed validation P x K batches for the validation loss of P x K batches.
    public var validationBatches: Int
    /// Training images per class (a fixed random sample) the summary centroids come from.
    public var centroidImagesPerClass: Int

    enum CodingKeys: String, CodingKey {
        case validationTriplets = "validation_triplets"
        case validationBatches = "validation_batches"
        case centroidImagesPerClass = "centroid_images_per_class"
    }

    public init(validationTriplets: Int = 256, validationBatches: Int = 8, centroidImagesPerClass: Int = 32) {
        self.validationTriplets = validationTriplets
        self.validationBatches = validationBatches
        self.centroidImagesPerClass = centroidImagesPerClass
    }
}

/// What the progress callback gets after every step.
public struct TrainingProgress: Sendable {
    /// 1-based epoch and step.
    public var epoch: Int
    public var epochs: Int
    public var step: Int
    public var steps: Int
    /// The step's training loss.
    public var loss: Float
    /// The learning rate of this epoch.
    public var lr: Float
}

/// What a finished (or stopped) run produced.
public struct TrainingResult {
    /// One row per completed epoch (including those restored from a checkpoint).
    public var history: [EpochSummary]
    /// Saved weights: (epoch, file) for every snapshot epoch reached, ascending.
    public var snapshots: [(epoch: Int, url: URL)]
    /// The last completed epoch.
    public var epoch: Int
    /// The epoch the run resumed after (0 for a fresh start).
    public var resumedAfterEpoch: Int
    /// The trained network (weights of `epoch`).
    public var network: Network
}

/// The training loop.
///
/// Epoch e (1-based) runs `stepsPerEpoch` steps s (1-based). Step (e, s) draws its batch
/// from the training split with `TripletSampler(seed, "triplets")` or
/// `PKSampler(seed, "pk")` at (e, s) (classes picked as `training.sampling` says), augments it from `RandomStream(seed, "augment", e, s)`,
/// draws dropout masks from `RandomStream(seed, "dropout", e, s)`, runs forward, loss,
/// backward and one optimiser update at the epoch's learning rate. Nothing else is random,
/// and all reductions run in a fixed order, so the same inputs give bit-identical weights.
///
/// After each epoch: the validation loss on fixed validation data (triplets from
/// `TripletSampler(seed, "validation-triplets")` at (0, 0), or P x K batches from
/// `PKSampler(seed, "validation-pk")` at (0, 0..<n)), and the centroid summaries of the
/// validation split against centroids of a fixed sample of training images
/// (`RandomStream(seed, "centroid-sample", classLabel)`), all in inference mode.
///
/// Files in the work folder: `checkpoint.bin` (every `checkpointEvery` epochs and after the
/// last; see `Checkpoint`), `history.csv` and `timings.csv` (after every epoch; see `HistoryCSV`) and
/// `weights-epoch-<e>.bin` for each snapshot epoch (see `WeightsFile`). When the folder
/// holds a checkpoint of the same configuration, `run` resumes after its epoch.
public final class Trainer {
    /// Images, or a frozen backbone's features.
    public let inputs: TrainingInputs
    public let split: DatasetSplit
    public let networkConfig: NetworkConfig
    public let lossConfig: LossConfig
    public let training: TrainingConfig
    public let seed: UInt64
    public let workFolder: URL
    public let options: TrainerOptions
    /// SHA-256 of everything that determines the run's results.
    public let fingerprint: String

    public let network: Network
    public let optimizer: Optimizer
    let loss: TripletLoss
    let schedule: LearningRateSchedule
    let trainIndex: ClassIndex
    let tripletSampler: TripletSampler?
    let pkSampler: PKSampler?
    let validationBatches: [LossBatch]
    /// Positions in `split.validation` of each validation batch's rows.
    let validationBatchPositions: [[Int]]
    let centroidRows: [Int]
    let batchImages: Int
    let input: FloatBuffer
    let dEmbeddings: FloatBuffer

    /// Threads for the image groups of every batch; results do not depend on it (see `Workers`).
    public var threads: Int = Workers.available

    public var checkpointURL: URL { workFolder.appendingPathComponent(Checkpoint.fileName) }
    public var historyURL: URL { workFolder.appendingPathComponent("history.csv") }
    public var timingsURL: URL { workFolder.appendingPathComponent("timings.csv") }
    public func weightsURL(epoch: Int) -> URL { workFolder.appendingPathComponent(WeightsFile.fileName(epoch: epoch)) }

    /// - Parameters:
    ///   - store: the image store (square images of side S), or a frozen backbone's features
    ///     (then `network` is the head alone, `NetworkConfig.headOnly`).
    ///   - split: rows of the store per split; training uses `train`, validation `validation`.
    ///   - workFolder: where checkpoints, history and weights go (created if missing).
    /// - Throws: `ConvNetError.invalidConfig` for configurations that cannot run,
    ///   `DatasetError.invalidSampler` when the split cannot give the requested batches.
    public init(store: TrainingInputs, split: DatasetSplit, network: NetworkConfig, loss: LossConfig,
                training: TrainingConfig, seed: UInt64, workFolder: URL, options: TrainerOptions = TrainerOptions()) throws {
        try training.validate()
        let lossFunction = TripletLoss(loss)
        try lossFunction.validate(batch: training.batch)
        self.inputs = store
        self.split = split
        self.networkConfig = network
        self.lossConfig = loss
        self.training = training
        self.seed = seed
        self.workFolder = workFolder
        self.options = options
        self.loss = lossFunction
        self.network = try Network(config: network, inputSide: store.side, seed: seed)
        optimizer = Optimizer(config: training.optimizer, layout: self.network.layout)
        schedule = LearningRateSchedule(base: training.optimizer.lr, schedule: training.schedule, epochs: training.epochs)

        trainIndex = ClassIndex(rows: split.train, labels: store.labels)
        switch training.batch {
        case .triplets(let b):
            tripletSampler = try TripletSampler(index: trainIndex, seed: seed, label: "triplets", sampling: training.sampling)
            pkSampler = nil
            batchImages = 3 * b
        case let .pk(p, k):
            tripletSampler = nil
            pkSampler = try PKSampler(index: trainIndex, seed: seed, classesPerBatch: p, perClass: k, label: "pk",
                                      sampling: training.sampling)
            batchImages = p * k
        }

        // Fixed validation batches.
        let valIndex = ClassIndex(rows: split.validation, labels: store.labels)
        var vBatches: [LossBatch] = []
        var vRows: [[Int]] = []
        if valIndex.classes.count >= 2 {
            switch training.batch {
            case .triplets:
                let sampler = try TripletSampler(index: valIndex, seed: seed, label: "validation-triplets")
                let ts = sampler.batch(epoch: 0, step: 0, count: options.validationTriplets)
                vRows.append(ts.map(\.anchor) + ts.map(\.positive) + ts.map(\.negative))
                vBatches.append(.triplets(anchorLabels: ts.map { store.labels[$0.anchor] },
                                          negativeLabels: ts.map { store.labels[$0.negative] }))
            case let .pk(p, k):
                let sampler = try PKSampler(index: valIndex, seed: seed, classesPerBatch: min(p, valIndex.classes.count),
                                            perClass: k, label: "validation-pk")
                for s in 0..<options.validationBatches {
                    let (rows, labels) = sampler.batch(epoch: 0, step: s)
                    vRows.append(rows)
                    vBatches.append(.labeled(labels))
                }
            }
        }
        validationBatches = vBatches
        var position: [Int: Int] = [:]
        for (i, r) in split.validation.enumerated() { position[r] = i }
        validationBatchPositions = vRows.map { $0.map { position[$0]! } }

        var cRows: [Int] = []
        for (c, members) in trainIndex.members.enumerated() {
            var rng = RandomStream(seed: seed, "centroid-sample", trainIndex.classes[c])
            let picks = rng.sample(min(options.centroidImagesPerClass, members.count), from: members.count).sorted()
            cRows += picks.map { members[$0] }
        }
        centroidRows = cRows

        input = FloatBuffer(count: batchImages * store.itemCount)
        dEmbeddings = FloatBuffer(count: batchImages * network.embedding)

        struct Fingerprint: Encodable {
            var network: NetworkConfig, loss: LossConfig, training: TrainingConfig, seed: UInt64
            var options: TrainerOptions, side: Int, count: Int, labels: String, split: String
        }
        let labelsDigest = SHA256.hex(inputs.labels.map(String.init).joined(separator: ","))
        let splitDigest = SHA256.hex(try BlobFile.json(split))
        fingerprint = SHA256.hex(try BlobFile.json(Fingerprint(
            network: network, loss: loss, training: training, seed: seed, options: options,
            side: store.side, count: store.count, labels: labelsDigest, split: splitDigest)))
    }

    /// Trains to `training.epochs` (or stops after `stopAfterEpoch`, as if interrupted there),
    /// resuming from the work folder's checkpoint when there is one.
    /// - Parameters:
    ///   - progress: called after every step.
    ///   - epochDone: called once epoch k's files (history, snapshot weights, checkpoint when
    ///     due) are on disk.
    ///   - shouldStop: checked after every step; when true, a checkpoint of the step reached
    ///     is written and `ConvNetError.interrupted` thrown (the next run continues with the
    ///     next step, bit-identically).
    /// - Throws: `ConvNetError.diverged` naming the epoch and step when the loss, a gradient
    ///   or a weight becomes NaN or infinite (the last checkpoint is left as it was);
    ///   `ConvNetError.interrupted`; I/O errors.
    @discardableResult
    public func run(stopAfterEpoch: Int? = nil, progress: ((TrainingProgress) -> Void)? = nil,
                    epochDone: ((EpochSummary) -> Void)? = nil, shouldStop: (() -> Bool)? = nil) throws -> TrainingResult {
        try Workers.withSingleThreadedBLAS {
            try runEpochs(stopAfterEpoch: stopAfterEpoch, progress: progress, epochDone: epochDone, shouldStop: shouldStop)
        }
    }

    private func runEpochs(stopAfterEpoch: Int?, progress: ((TrainingProgress) -> Void)?,
                           epochDone: ((EpochSummary) -> Void)?, shouldStop: (() -> Bool)?) throws -> TrainingResult {
        try FileManager.default.createDirectory(at: workFolder, withIntermediateDirectories: true)
        network.threads = threads
        removeStaleTemporaryFiles()
        var history: [EpochSummary] = []
        var start = 1
        var partial: Checkpoint.PartialEpoch? = nil
        if FileManager.default.fileExists(atPath: checkpointURL.path) {
            let meta = try Checkpoint.restore(from: checkpointURL, network: network, optimizer: optimizer, fingerprint: fingerprint)
            history = meta.history
            start = meta.epoch + 1
            partial = meta.partial
        }
        let resumedAfter = start - 1
        let last = min(training.epochs, stopAfterEpoch ?? training.epochs)
        if start <= last {
            for epoch in start...last {
                let resumeFrom = partial?.epoch == epoch ? partial : nil
                let row = try runEpoch(epoch, resumingFrom: resumeFrom, history: history, progress: progress, shouldStop: shouldStop)
                history.append(row)
                try AtomicFile.write(HistoryCSV.render(history), to: historyURL)
                try AtomicFile.write(TimingsCSV.render(history), to: timingsURL)
                if training.snapshotEpochs.contains(epoch) {
                    try WeightsFile.write(network, epoch: epoch, to: weightsURL(epoch: epoch))
                }
                if epoch % training.checkpointEvery == 0 || epoch == training.epochs {
                    try writeCheckpoint(epoch: epoch, history: history, partial: nil)
                }
                epochDone?(row)
            }
        }
        let done = history.last?.epoch ?? 0
        let snaps = training.snapshotEpochs.filter { $0 <= done }.map { (epoch: $0, url: weightsURL(epoch: $0)) }
        return TrainingResult(history: history, snapshots: snaps, epoch: done, resumedAfterEpoch: resumedAfter, network: network)
    }

    func writeCheckpoint(epoch: Int, history: [EpochSummary], partial: Checkpoint.PartialEpoch?) throws {
        try Checkpoint.write(Checkpoint(epoch: epoch, fingerprint: fingerprint, history: history,
                                        optimizerStep: optimizer.step, parameterCount: network.layout.parameterCount,
                                        partial: partial),
                             network: network, optimizer: optimizer, to: checkpointURL)
    }

    /// Deletes temporary files that a killed process left behind mid-write (`AtomicFile`
    /// writes `.<name>.tmp-<pid>-<n>` next to `<name>`, then renames it).
    func removeStaleTemporaryFiles() {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: workFolder.path) else { return }
        for name in names {
            guard let target = AtomicFile.target(ofTemporary: name) else { continue }
            if target == Checkpoint.fileName || target == "history.csv"
                || (target.hasPrefix("weights-epoch-") && target.hasSuffix(".bin")) {
                try? FileManager.default.removeItem(at: workFolder.appendingPathComponent(name))
            }
        }
    }

    /// The rows and loss layout of training step (epoch, step).
    func batch(epoch: Int, step: Int) -> (rows: [Int], loss: LossBatch) {
        if let sampler = tripletSampler, case .triplets(let b) = training.batch {
            let ts = sampler.batch(epoch: epoch, step: step, count: b)
            return (ts.map(\.anchor) + ts.map(\.positive) + ts.map(\.negative),
                    .triplets(anchorLabels: ts.map { inputs.labels[$0.anchor] }, negativeLabels: ts.map { inputs.labels[$0.negative] }))
        }
        let (rows, labels) = pkSampler!.batch(epoch: epoch, step: step)
        return (rows, .labeled(labels))
    }

    /// One training step; returns its loss.
    func trainStep(epoch: Int, step: Int, lr: Float) throws -> Float {
        let (rows, lossBatch) = batch(epoch: epoch, step: step)
        let symmetries = ImageBatch.augmentation(training.augment, count: rows.count, seed: seed, epoch: epoch, step: step)
        inputs.load(rows: rows, symmetries: symmetries, into: input.pointer)
        let e = network.forward(input: input.pointer, n: rows.count, training: true,
                                dropoutStream: RandomStream(seed: seed, "dropout", epoch, step))
        let value = loss.compute(embeddings: e, d: network.embedding, batch: lossBatch, gradient: dEmbeddings.pointer)
        guard value.isFinite else { throw ConvNetError.diverged(epoch: epoch, step: step, loss: value) }
        network.backward(dEmbeddings: dEmbeddings.pointer)
        guard allFinite(network.gradients) else { throw ConvNetError.diverged(epoch: epoch, step: step, loss: value) }
        optimizer.update(parameters: network.parameters, gradients: network.gradients, lr: lr)
        guard allFinite(network.parameters), allFinite(network.state) else {
            throw ConvNetError.diverged(epoch: epoch, step: step, loss: value)
        }
        return value
    }

    /// Runs epoch `epoch` from its first step, or after the steps `partial` says were done.
    /// - Parameters:
    ///   - lr: the epoch's learning rate (default: the schedule's).
    ///   - history: the completed epochs before this one (for a mid-epoch checkpoint).
    ///   - checkpointSteps: also write a mid-epoch checkpoint every this many steps (0: only
    ///     on a stop request).
    func runEpoch(_ epoch: Int, lr given: Float? = nil, resumingFrom partial: Checkpoint.PartialEpoch? = nil,
                  history: [EpochSummary] = [], checkpointSteps: Int = 0,
                  progress: ((TrainingProgress) -> Void)?, shouldStop: (() -> Bool)? = nil) throws -> EpochSummary {
        let started = DispatchTime.now().uptimeNanoseconds
        let lr = given ?? schedule.rate(epoch: epoch)
        var sum = partial?.lossSum ?? 0.0
        let first = (partial?.step ?? 0) + 1
        if first <= training.stepsPerEpoch {
            for step in first...training.stepsPerEpoch {
                let value = try trainStep(epoch: epoch, step: step, lr: lr)
                sum += Double(value)
                progress?(TrainingProgress(epoch: epoch, epochs: training.epochs, step: step, steps: training.stepsPerEpoch,
                                           loss: value, lr: lr))
                guard step < training.stepsPerEpoch else { continue }
                let stop = shouldStop?() == true
                if stop || (checkpointSteps > 0 && step % checkpointSteps == 0) {
                    try writeCheckpoint(epoch: epoch - 1, history: history,
                                        partial: Checkpoint.PartialEpoch(epoch: epoch, step: step, lossSum: sum))
                }
                if stop { throw ConvNetError.interrupted(epoch: epoch, step: step, steps: training.stepsPerEpoch) }
            }
        }
        let (valLoss, summary) = try evaluate()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        return EpochSummary(epoch: epoch, lr: lr, trainLoss: Float(sum / Double(training.stepsPerEpoch)),
                            valLoss: valLoss, monitorClusterSize: Float(summary.meanClusterSize),
                            monitorCentroidDistance: Float(summary.meanCentroidDistance),
                            monitorNearestCentroidAccuracy: Float(summary.nearestCentroidAccuracy), seconds: seconds)
    }

    // MARK: one epoch at a time (the training chain)

    /// Continues from the state after epoch e - 1: the network's weights and batch-norm
    /// statistics from a weights file, the optimiser's moments and step from
    /// `OptimizerStateFile` bytes.
    public func restore(weights: URL, optimizerState: Data, optimizerStatePath: String) throws {
        let (saved, _) = try WeightsFile.read(weights)
        if network.config.features != nil {
            // A head trained on a frozen backbone's features: the file holds the whole network.
            let copied = network.copyTensors(from: saved, where: Network.isHeadTensor)
            guard copied.count == network.layout.parameters.count else {
                throw ConvNetError.badFile(path: weights.path, reason: "the weights do not hold this head")
            }
        } else {
            guard saved.parameters.count == network.parameters.count, saved.state.count == network.state.count else {
                throw ConvNetError.badFile(path: weights.path, reason: "the weights do not fit this network")
            }
            network.parameters.copy(from: saved.parameters)
            network.state.copy(from: saved.state)
        }
        try OptimizerStateFile.restore(optimizerState, into: optimizer, path: optimizerStatePath)
    }

    /// What an interrupted attempt at an epoch left in the work folder: its checkpoint,
    /// restored into the network and optimiser, or nil when there is none.
    public func restorePartialEpoch() throws -> Checkpoint? {
        removeStaleTemporaryFiles()
        guard FileManager.default.fileExists(atPath: checkpointURL.path) else { return nil }
        return try Checkpoint.restore(from: checkpointURL, network: network, optimizer: optimizer, fingerprint: fingerprint)
    }

    /// Trains epoch `epoch` at `lr` from the current state (fresh, restored, or a partial
    /// checkpoint's), with BLAS on one thread.
    /// - Parameters:
    ///   - history: the rows of the epochs before.
    ///   - partial: the steps already done of this epoch (from `restorePartialEpoch`).
    /// - Returns: the epoch's history row.
    public func trainEpoch(_ epoch: Int, lr: Float, history: [EpochSummary], partial: Checkpoint.PartialEpoch?,
                           checkpointSteps: Int = 0, progress: ((TrainingProgress) -> Void)? = nil,
                           shouldStop: (() -> Bool)? = nil) throws -> EpochSummary {
        try FileManager.default.createDirectory(at: workFolder, withIntermediateDirectories: true)
        network.threads = threads
        return try Workers.withSingleThreadedBLAS {
            try runEpoch(epoch, lr: lr, resumingFrom: partial?.epoch == epoch ? partial : nil, history: history,
                         checkpointSteps: checkpointSteps, progress: progress, shouldStop: shouldStop)
        }
    }

    /// Validation loss and centroid summaries of the current weights (inference mode).
    public func evaluate() throws -> (valLoss: Float, summary: CentroidSummary) {
        let d = network.embedding
        let reference = embed(rows: centroidRows)
        let evaluation = embed(rows: split.validation)
        var valLoss = Float.nan
        if !validationBatches.isEmpty {
            // Validation batches draw from the validation split: gather their embeddings.
            var total = 0.0
            for (positions, lb) in zip(validationBatchPositions, validationBatches) {
                var e = [Float](repeating: 0, count: positions.count * d)
                for (i, p) in positions.enumerated() {
                    for j in 0..<d { e[i * d + j] = evaluation[p, j] }
                }
                total += Double(e.withUnsafeBufferPointer {
                    loss.compute(embeddings: $0.baseAddress!, d: d, batch: lb, gradient: nil)
                })
            }
            valLoss = Float(total / Double(validationBatches.count))
        }
        let summary = CentroidSummary.compute(reference: reference, referenceLabels: centroidRows.map { inputs.labels[$0] },
                                              evaluation: evaluation, evaluationLabels: split.validation.map { inputs.labels[$0] })
        return (valLoss, summary)
    }

    /// (rows.count, D) embeddings of `rows` in inference mode, in batches of a training
    /// step's size.
    func embed(rows: [Int]) -> Matrix {
        Embedder(network: network, batchSize: batchImages).embed(inputs: inputs, rows: rows)
    }
}

func allFinite(_ buffer: FloatBuffer) -> Bool {
    let p = buffer.pointer
    var ok = true
    for i in 0..<buffer.count where !p[i].isFinite { ok = false }
    return ok
}
