import Linalg

/// One training triplet: row indices of an anchor, a positive of the same class, and a
/// negative of another class.
public struct Triplet: Equatable, Hashable, Sendable {
    public let anchor: Int
    public let positive: Int
    public let negative: Int

    public init(anchor: Int, positive: Int, negative: Int) {
        self.anchor = anchor
        self.positive = positive
        self.negative = negative
    }
}

/// Random triplets: the anchor class among classes with at least two images (uniformly, or
/// weighted by size with `sampling`), anchor and positive two distinct images of it
/// (uniform), the negative class among the other classes (with the same weights) and the
/// negative uniform within it.
///
/// Batch (epoch, step) is drawn from `RandomStream(seed, label, epoch, step)` alone, so any
/// batch can be redrawn without replaying the ones before it (resume is exact).
public struct TripletSampler: Sendable {
    public let index: ClassIndex
    public let seed: UInt64
    /// Stream label: "triplets" for training; another label gives an independent stream
    /// (e.g. the fixed validation triplets).
    public let label: String
    private let anchorClasses: [Int]   // positions in index.classes with >= 2 members
    public let sampling: ClassSampling
    private let weights: [Double]      // per position in index.classes

    /// - Throws: `DatasetError.invalidSampler` when fewer than two classes are present or
    ///   no class has two images.
    public init(index: ClassIndex, seed: UInt64, label: String = "triplets", sampling: ClassSampling = .uniform) throws {
        guard index.classes.count >= 2 else {
            throw DatasetError.invalidSampler("triplets need at least 2 classes, the split has \(index.classes.count)")
        }
        anchorClasses = index.members.indices.filter { index.members[$0].count >= 2 }
        guard !anchorClasses.isEmpty else {
            throw DatasetError.invalidSampler("triplets need a class with at least 2 images")
        }
        self.index = index
        self.seed = seed
        self.label = label
        self.sampling = sampling
        weights = index.members.map { sampling.weight($0.count) }
    }

    /// The `count` triplets of batch (epoch, step).
    public func batch(epoch: Int, step: Int, count: Int) -> [Triplet] {
        var rng = RandomStream(seed: seed, label, epoch, step)
        var out: [Triplet] = []
        out.reserveCapacity(count)
        let classCount = index.classes.count
        for _ in 0..<count {
            let a = sampling == .uniform ? anchorClasses[rng.below(anchorClasses.count)]
                                         : anchorClasses[rng.weighted(anchorClasses.map { weights[$0] })]
            let members = index.members[a]
            let i = rng.below(members.count)
            var j = rng.below(members.count - 1)
            if j >= i { j += 1 }
            var n: Int
            if sampling == .uniform {
                n = rng.below(classCount - 1)
                if n >= a { n += 1 }
            } else {
                var w = weights
                w[a] = 0
                n = rng.weighted(w)
            }
            let negatives = index.members[n]
            out.append(Triplet(anchor: members[i], positive: members[j], negative: negatives[rng.below(negatives.count)]))
        }
        return out
    }
}
