import Linalg

/// P x K batches for the batch-mining losses (batch_hard, batch_all, semi_hard):
/// P distinct classes drawn uniformly (or weighted by size, `sampling`), K images of each. A class with at least K images
/// gives K distinct ones; a smaller class gives all of its images, then draws the rest with
/// replacement.
///
/// Batch (epoch, step) is drawn from `RandomStream(seed, label, epoch, step)` alone.
public struct PKSampler: Sendable {
    public let index: ClassIndex
    public let seed: UInt64
    public let classesPerBatch: Int
    public let perClass: Int
    public let label: String
    public let sampling: ClassSampling

    /// - Parameters:
    ///   - classesPerBatch: P, at most the number of classes in the split, at least 2.
    ///   - perClass: K >= 2 (a positive pair needs two images).
    public init(index: ClassIndex, seed: UInt64, classesPerBatch: Int, perClass: Int,
                label: String = "pk", sampling: ClassSampling = .uniform) throws {
        guard classesPerBatch >= 2, classesPerBatch <= index.classes.count else {
            throw DatasetError.invalidSampler(
                "P x K batches need 2 <= classes (P) <= \(index.classes.count) classes in the split, got P = \(classesPerBatch)")
        }
        guard perClass >= 2 else {
            throw DatasetError.invalidSampler("P x K batches need per_class (K) >= 2, got \(perClass)")
        }
        self.index = index
        self.seed = seed
        self.classesPerBatch = classesPerBatch
        self.perClass = perClass
        self.label = label
        self.sampling = sampling
    }

    /// Rows of batch (epoch, step): P groups of K rows, class by class; and each row's label.
    public func batch(epoch: Int, step: Int) -> (rows: [Int], labels: [Int]) {
        var rng = RandomStream(seed: seed, label, epoch, step)
        var rows: [Int] = []
        var labels: [Int] = []
        rows.reserveCapacity(classesPerBatch * perClass)
        let classes = sampling == .uniform ? rng.sample(classesPerBatch, from: index.classes.count)
            : rng.weightedSample(classesPerBatch, weights: index.members.map { sampling.weight($0.count) })
        for c in classes {
            let members = index.members[c]
            if members.count >= perClass {
                rows += rng.sample(perClass, from: members.count).map { members[$0] }
            } else {
                var picked = members
                rng.shuffle(&picked)
                while picked.count < perClass { picked.append(members[rng.below(members.count)]) }
                rows += picked
            }
            labels += Array(repeating: index.classes[c], count: perClass)
        }
        return (rows, labels)
    }
}
