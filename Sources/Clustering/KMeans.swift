import Foundation
import Linalg

/// k-means clustering of row-major Float points: k-means++ seeding, then Lloyd or
/// mini-batch updates, `restarts` times, keeping the lowest inertia.
///
/// Restart r draws all its random numbers from `RandomStream(seed: config.seed, "kmeans", r)`,
/// so results depend on the seed only (not on thread count or what ran before).
public enum KMeans {
    /// Clusters the n rows of `x` (n x d, row-major).
    /// - Precondition: 0 < config.clusters <= n, x.count == n * d.
    public static func fit(_ x: [Float], n: Int, d: Int, config: KMeansConfig) -> KMeansResult {
        precondition(x.count == n * d, "k-means: \(x.count) values for \(n) x \(d)")
        let k = config.clusters
        precondition(k > 0 && k <= n, "k-means: need 0 < clusters (\(k)) <= points (\(n))")
        return x.withUnsafeBufferPointer { xb in
            let xp = xb.baseAddress!
            let xNorms = SquaredDistances.rowNorms(xp, n: n, d: d)
            let tolerance = config.tolerance * meanVariance(xp, n: n, d: d)
            var best: KMeansResult? = nil
            for restart in 0..<max(1, config.restarts) {
                var random = RandomStream(seed: config.seed, "kmeans", restart)
                var centers: [Float]
                var iterations: Int
                switch config.algorithm {
                case .lloyd:
                    centers = KMeansPlusPlus.seed(xp, n: n, d: d, k: k, xNorms: xNorms, random: &random)
                    iterations = Lloyd.run(xp, n: n, d: d, k: k, xNorms: xNorms, centers: &centers,
                                           maxIterations: config.maxIterations, tolerance: tolerance).iterations
                case .minibatch:
                    // scikit-learn seeds mini-batch k-means on a random subset of 3 * batch points.
                    let initSize = min(n, max(3 * config.batchSize, 3 * k))
                    let subset = initSize == n ? Array(0..<n) : random.sample(initSize, from: n)
                    var sub = [Float](repeating: 0, count: initSize * d)
                    var subNorms = [Float](repeating: 0, count: initSize)
                    for (r, i) in subset.enumerated() {
                        for j in 0..<d { sub[r * d + j] = xp[i * d + j] }
                        subNorms[r] = xNorms[i]
                    }
                    centers = sub.withUnsafeBufferPointer { sb in
                        KMeansPlusPlus.seed(sb.baseAddress!, n: initSize, d: d, k: k, xNorms: subNorms, random: &random)
                    }
                    iterations = MiniBatchKMeans.run(xp, n: n, d: d, k: k, xNorms: xNorms, centers: &centers,
                                                     config: config, random: &random)
                }
                let labels = centers.withUnsafeBufferPointer { cb in
                    SquaredDistances.nearest(xp, n: n, d: d, centers: cb.baseAddress!, k: k, xNorms: xNorms).labels
                }
                let inertia = exactInertia(xp, n: n, d: d, centers: centers, labels: labels)
                if best == nil || inertia < best!.inertia {
                    best = KMeansResult(centers: centers, clusters: k, dimensions: d, labels: labels,
                                        inertia: inertia, iterations: iterations, restart: restart)
                }
            }
            return best!
        }
    }

    /// Sum of squared distances of each point to its center, in Double.
    public static func exactInertia(_ x: UnsafePointer<Float>, n: Int, d: Int, centers: [Float], labels: [Int]) -> Double {
        centers.withUnsafeBufferPointer { cb in
            var total: Double = 0
            for i in 0..<n { total += SquaredDistances.exact(x + i * d, cb.baseAddress! + labels[i] * d, d: d) }
            return total
        }
    }

    /// Mean over features of the per-feature variance (scikit-learn's tolerance scale).
    static func meanVariance(_ x: UnsafePointer<Float>, n: Int, d: Int) -> Double {
        guard n > 0 && d > 0 else { return 0 }
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<n { for j in 0..<d { mean[j] += Double(x[i * d + j]) } }
        for j in 0..<d { mean[j] /= Double(n) }
        var v: Double = 0
        for i in 0..<n { for j in 0..<d { let t = Double(x[i * d + j]) - mean[j]; v += t * t } }
        return v / Double(n * d)
    }
}
