/// How to run k-means. Every random choice comes from
/// `RandomStream(seed: seed, "kmeans", restart)`, so a seed fixes the result.
public struct KMeansConfig: Sendable, Equatable {
    /// Lloyd's full-batch iterations, or scikit-learn-style mini-batch updates.
    public enum Algorithm: String, Codable, Sendable, CaseIterable {
        case lloyd
        case minibatch
    }

    /// k, the number of clusters (the runner resolves `clusters: classes` to the class count).
    public var clusters: Int
    public var algorithm: Algorithm
    /// Lloyd: independent restarts (each with its own k-means++ seeding); the lowest inertia
    /// wins, ties to the earliest restart. Mini-batch: seedings scored on a validation
    /// subset, the mini-batch updates then run once from the best (scikit-learn's `n_init`).
    public var restarts: Int
    /// Lloyd: the most iterations per restart (scikit-learn: 300). Mini-batch: the most
    /// passes over the data (epochs) (scikit-learn: 100).
    public var maxIterations: Int
    /// Lloyd stops when the summed squared center shift is at most
    /// `tolerance * mean per-feature variance of x` (scikit-learn's rule, default 1e-4),
    /// or when no label changes.
    public var tolerance: Double
    /// Mini-batch: points per batch, drawn with replacement (scikit-learn: 1024).
    public var batchSize: Int
    /// Mini-batch: stop after this many batches without improvement of the smoothed batch
    /// inertia (scikit-learn's `max_no_improvement`, 10).
    public var maxNoImprovement: Int
    /// Mini-batch: centers whose count falls below this fraction of the largest count are
    /// moved to random batch points (scikit-learn's `reassignment_ratio`, 0.01).
    public var reassignmentRatio: Double
    public var seed: UInt64

    public init(clusters: Int, algorithm: Algorithm = .lloyd, restarts: Int = 10,
                maxIterations: Int? = nil, tolerance: Double = 1e-4, batchSize: Int = 1024,
                maxNoImprovement: Int = 10, reassignmentRatio: Double = 0.01, seed: UInt64 = 0) {
        self.clusters = clusters
        self.algorithm = algorithm
        self.restarts = restarts
        self.maxIterations = maxIterations ?? (algorithm == .lloyd ? 300 : 100)
        self.tolerance = tolerance
        self.batchSize = batchSize
        self.maxNoImprovement = maxNoImprovement
        self.reassignmentRatio = reassignmentRatio
        self.seed = seed
    }
}

/// A fitted k-means model.
public struct KMeansResult: Sendable, Equatable {
    /// k x d row-major centers.
    public var centers: [Float]
    public var clusters: Int
    public var dimensions: Int
    /// The cluster of each of the n fitted points (0..<k).
    public var labels: [Int]
    /// Sum over the fitted points of the squared Euclidean distance to their center,
    /// accumulated exactly in Double from the final centers.
    public var inertia: Double
    /// Iterations (Lloyd) or batches (mini-batch) of the winning restart.
    public var iterations: Int
    /// Which restart won (0-based).
    public var restart: Int

    /// The nearest center of each row of `x` (n x d): predicting unseen points.
    public func predict(_ x: [Float], n: Int) -> [Int] {
        precondition(x.count == n * dimensions, "predict: \(x.count) values for \(n) x \(dimensions)")
        guard n > 0 else { return [] }
        return x.withUnsafeBufferPointer { xb in
            centers.withUnsafeBufferPointer { cb in
                SquaredDistances.nearest(xb.baseAddress!, n: n, d: dimensions, centers: cb.baseAddress!, k: clusters).labels
            }
        }
    }
}
