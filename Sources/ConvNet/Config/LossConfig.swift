/// The loss variants (`loss.variant`). Raw values are the experiment file's spellings.
public enum LossVariant: String, Codable, Equatable, Sendable, CaseIterable {
    /// max(d+ - d- + m, 0) on (anchor, positive, negative) triplets.
    case stdTriplet = "std_triplet"
    /// d+ + max(m - d-, 0) on triplets.
    case altTriplet = "alt_triplet"
    /// d+ + m / (d- + eps) on triplets (always positive, so the hinge never cuts).
    case geomTriplet = "geom_triplet"
    /// FaceNet semi-hard mining in a labelled batch.
    case semiHard = "semi_hard"
    /// Hermans et al. 2017: hardest positive and hardest negative per anchor.
    case batchHard = "batch_hard"
    /// Mean over all valid triplets of the batch with a positive loss.
    case batchAll = "batch_all"
    /// Contrastive pairs (Hadsell et al. 2006).
    case contrastive

    /// The batches a variant trains on.
    public enum BatchShape: Sendable {
        /// Explicit (anchor, positive, negative) triplets (`training.batch.triplets`).
        case triplets
        /// P classes x K images, the loss mining its own triplets (`classes`, `per_class`).
        case labeled
        /// Either.
        case either
    }

    /// std/alt/geom_triplet take explicit triplets, or every triplet of a P x K batch (so a
    /// study can train every variant on the same batches); the mining losses need P x K.
    public var batchShape: BatchShape {
        switch self {
        case .stdTriplet, .altTriplet, .geomTriplet, .contrastive: return .either
        case .semiHard, .batchHard, .batchAll: return .labeled
        }
    }

    /// Whether the variant can replace its hinge by the soft margin (`loss.soft_margin`).
    public var supportsSoftMargin: Bool {
        switch self {
        case .stdTriplet, .semiHard, .batchHard, .batchAll: return true
        case .altTriplet, .geomTriplet, .contrastive: return false
        }
    }

    /// Whether the variant can train on batches of this shape; the reason when not.
    public func problem(with batch: BatchConfig) -> String? {
        switch (batchShape, batch) {
        case (.triplets, .pk):
            return "loss.variant \(rawValue) trains on triplet batches: set training.batch to {triplets: N}"
        case (.labeled, .triplets):
            return "loss.variant \(rawValue) mines triplets inside P x K batches: set training.batch to {classes: P, per_class: K}"
        default:
            return nil
        }
    }
}

/// The distance the triplet terms compare.
public enum LossDistance: String, Codable, Equatable, Sendable, CaseIterable {
    /// |a - b|^2 (the original's, and FaceNet's).
    case squared
    /// |a - b| (Hermans et al.: its gradient does not vanish when points coincide, so
    /// batch-hard mining cannot settle in the collapsed state where every embedding is equal).
    case euclidean
}

/// What `semi_hard` takes for a positive pair (a, p) that has no semi-hard negative (none
/// with d(a, n) > d(a, p)) (`loss.semi_hard_fallback`).
public enum SemiHardFallback: String, Codable, Equatable, Sendable, CaseIterable {
    /// The negative farthest from the anchor (the easiest one), as TensorFlow Addons'
    /// `triplet_semihard_loss`, the common reference, does: such a pair then contributes
    /// little, so a batch without semi-hard negatives does not pull towards collapse.
    case largest
    /// The negative closest to the anchor (the hardest one): a harder push, and what krill
    /// did before the choice existed (the FaceNet paper leaves the case open).
    case smallest
}

/// `loss:` in the experiment file.
public struct LossConfig: Codable, Equatable, Sendable {
    public var variant: LossVariant
    /// The margin m (in squared-distance units).
    public var margin: Float
    /// Replace the hinge max(x + m, 0) by the soft margin log(1 + exp(x)) (Hermans et al.)
    /// in std_triplet, semi_hard, batch_hard and batch_all.
    public var softMargin: Bool
    /// The distance of the triplet terms; nil = the variant's default (`defaultDistance`).
    public var distance: LossDistance?
    /// semi_hard: the negative of a pair without a semi-hard one.
    public var semiHardFallback: SemiHardFallback

    public init(variant: LossVariant = .stdTriplet, margin: Float = 0.5, softMargin: Bool = false,
                distance: LossDistance? = nil, semiHardFallback: SemiHardFallback = .largest) {
        self.variant = variant
        self.margin = margin
        self.softMargin = softMargin
        self.distance = distance
        self.semiHardFallback = semiHardFallback
    }

    /// Euclidean for batch_hard and batch_all (as Hermans et al. train them), squared for
    /// the others (the study's d+ and d-, FaceNet's semi-hard). Contrastive ignores it.
    public static func defaultDistance(_ variant: LossVariant) -> LossDistance {
        switch variant {
        case .batchHard, .batchAll: return .euclidean
        default: return .squared
        }
    }

    /// The distance actually used.
    public var resolvedDistance: LossDistance { distance ?? LossConfig.defaultDistance(variant) }
}
