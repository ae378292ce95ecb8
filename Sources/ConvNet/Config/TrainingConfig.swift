import Datasets

/// `training.optimizer.name`.
public enum OptimizerName: String, Codable, CaseIterable, Sendable {
    case sgd, adam
}

/// `training.schedule.name`.
public enum ScheduleName: String, Codable, CaseIterable, Sendable {
    case constant, step, exponential, cosine, restarts
}

/// `training.optimizer`: SGD or Adam, with decoupled weight decay (AdamW style: every
/// step subtracts `lr * weightDecay * w` from each convolution and dense weight; biases and
/// batch-norm parameters are not decayed).
public struct OptimizerConfig: Codable, Equatable, Sendable {
    public enum Kind: Codable, Equatable, Sendable {
        /// v = momentum * v + g; step = nesterov ? g + momentum * v : v.
        case sgd(momentum: Float, nesterov: Bool)
        /// Adam (Kingma & Ba) with bias correction; epsilon 1e-8.
        case adam(beta1: Float, beta2: Float)
    }

    public var kind: Kind
    /// Base learning rate (before schedule and warm-up).
    public var lr: Float
    public var weightDecay: Float

    public init(kind: Kind = .adam(beta1: 0.9, beta2: 0.999), lr: Float = 0.001, weightDecay: Float = 0) {
        self.kind = kind
        self.lr = lr
        self.weightDecay = weightDecay
    }

    /// SGD with the original's defaults (momentum 0.9).
    public static func sgd(lr: Float = 0.01, momentum: Float = 0.9, nesterov: Bool = false,
                           weightDecay: Float = 0) -> OptimizerConfig {
        OptimizerConfig(kind: .sgd(momentum: momentum, nesterov: nesterov), lr: lr, weightDecay: weightDecay)
    }

    /// Adam (krill's default: lr 0.001).
    public static func adam(lr: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999,
                            weightDecay: Float = 0) -> OptimizerConfig {
        OptimizerConfig(kind: .adam(beta1: beta1, beta2: beta2), lr: lr, weightDecay: weightDecay)
    }
}

/// `training.schedule`: the learning rate of each epoch (constant within an epoch).
/// See `LearningRateSchedule` for the formulas.
public struct ScheduleConfig: Codable, Equatable, Sendable {
    public enum Kind: Codable, Equatable, Sendable {
        case constant
        /// lr * factor^floor(t / every).
        case step(every: Int, factor: Float)
        /// lr * gamma^t.
        case exponential(gamma: Float)
        /// minLR + (lr - minLR) (1 + cos(pi t / T)) / 2 over the T epochs after warm-up.
        case cosine(minLR: Float)
        /// SGDR (Loshchilov & Hutter): cosine cycles of `period` epochs, each cycle
        /// `factor` times longer than the one before, restarting at the base rate.
        case restarts(period: Int, factor: Float, minLR: Float)
    }

    public var kind: Kind
    /// Epochs of linear warm-up W: epoch e <= W (1-based) uses lr * e / (W + 1); the schedule
    /// proper starts at epoch W + 1 (see `LearningRateSchedule`).
    public var warmupEpochs: Int

    public init(kind: Kind = .constant, warmupEpochs: Int = 0) {
        self.kind = kind
        self.warmupEpochs = warmupEpochs
    }
}

/// `training.batch`: what one step draws.
public enum BatchConfig: Codable, Equatable, Sendable {
    /// B random (anchor, positive, negative) triplets: 3B images.
    case triplets(Int)
    /// P classes x K images each (for the batch-mining losses).
    case pk(classes: Int, perClass: Int)

    /// Images in one step's batch.
    public var images: Int {
        switch self {
        case .triplets(let b): return 3 * b
        case let .pk(p, k): return p * k
        }
    }
}

/// `training.augment`: random symmetries of the square image, applied per image in the batch.
public struct AugmentConfig: Codable, Equatable, Sendable {
    /// Mirror left-right with probability 1/2.
    public var flip: Bool
    /// Rotate by a uniformly drawn multiple of 90 degrees.
    public var rotate90: Bool

    public init(flip: Bool = true, rotate90: Bool = true) {
        self.flip = flip
        self.rotate90 = rotate90
    }
}

/// `training:` in the experiment file.
public struct TrainingConfig: Codable, Equatable, Sendable {
    public var epochs: Int
    public var stepsPerEpoch: Int
    public var batch: BatchConfig
    public var optimizer: OptimizerConfig
    public var schedule: ScheduleConfig
    public var augment: AugmentConfig
    /// Epochs (1-based) whose weights are saved as `weights-epoch-<e>.bin`; the last epoch always is.
    public var snapshots: [Int]
    /// Write a checkpoint every this many epochs (and always after the last).
    public var checkpointEvery: Int
    /// How batches pick classes (`training.sampling`).
    public var sampling: ClassSampling

    public init(epochs: Int = 30, stepsPerEpoch: Int = 200, batch: BatchConfig = .triplets(32),
                optimizer: OptimizerConfig = .adam(), schedule: ScheduleConfig = ScheduleConfig(),
                augment: AugmentConfig = AugmentConfig(), snapshots: [Int] = [5, 15, 30],
                checkpointEvery: Int = 1, sampling: ClassSampling = .uniform) {
        self.epochs = epochs
        self.stepsPerEpoch = stepsPerEpoch
        self.batch = batch
        self.optimizer = optimizer
        self.schedule = schedule
        self.augment = augment
        self.snapshots = snapshots
        self.checkpointEvery = checkpointEvery
        self.sampling = sampling
    }

    /// The snapshot epochs actually saved: those in 1...epochs, plus the last, ascending.
    public var snapshotEpochs: [Int] {
        Array(Set(snapshots.filter { $0 >= 1 && $0 <= epochs } + [epochs])).sorted()
    }

    public func validate() throws {
        guard epochs >= 1 else { throw ConvNetError.invalidConfig("training.epochs must be >= 1, got \(epochs)") }
        guard stepsPerEpoch >= 1 else { throw ConvNetError.invalidConfig("training.steps_per_epoch must be >= 1, got \(stepsPerEpoch)") }
        guard checkpointEvery >= 1 else { throw ConvNetError.invalidConfig("training.checkpoint_every must be >= 1, got \(checkpointEvery)") }
        switch batch {
        case .triplets(let b):
            guard b >= 1 else { throw ConvNetError.invalidConfig("training.batch.triplets must be >= 1, got \(b)") }
        case let .pk(p, k):
            guard p >= 2, k >= 2 else { throw ConvNetError.invalidConfig("training.batch needs classes >= 2 and per_class >= 2, got \(p) x \(k)") }
        }
        guard optimizer.lr > 0, optimizer.lr.isFinite else { throw ConvNetError.invalidConfig("training.optimizer.lr must be positive, got \(optimizer.lr)") }
        guard optimizer.weightDecay >= 0 else { throw ConvNetError.invalidConfig("training.optimizer.weight_decay must be >= 0") }
        guard schedule.warmupEpochs >= 0 else { throw ConvNetError.invalidConfig("training.schedule.warmup_epochs must be >= 0") }
        switch schedule.kind {
        case .step(let every, let factor):
            guard every >= 1, factor > 0 else { throw ConvNetError.invalidConfig("training.schedule step needs every >= 1 and factor > 0") }
        case .exponential(let gamma):
            guard gamma > 0 else { throw ConvNetError.invalidConfig("training.schedule exponential needs gamma > 0") }
        case .restarts(let period, let factor, _):
            guard period >= 1, factor >= 1 else { throw ConvNetError.invalidConfig("training.schedule restarts needs period >= 1 and factor >= 1") }
        case .constant, .cosine: break
        }
    }
}
