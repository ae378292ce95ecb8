import Foundation
import Linalg

/// k-means clustering of row-major Float points: k-means++ seeding, then Lloyd (`restarts`
/// whole runs, keeping the lowest inertia, as scikit-learn's `KMeans(n_init=)`) or mini-batch
/// updates (`restarts` seedings scored on a validation subset, one run from the best, as
/// scikit-learn's `MiniBatchKMeans(n_init=)`).
///
/// Restart r draws all its random numbers from `RandomStream(seed: config.seed, "kmeans", r)`
/// (the mini-batch run and its validation subset from streams of their own), so results
/// depend on the seed only (not on thread count or what ran before).
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
            if config.algorithm == .minibatch {
                return miniBatch(xp, n: n, d: d, k: k, xNorms: xNorms, config: config)
            }
            var best: KMeansResult? = nil
            for restart in 0..<max(1, config.restarts) {
                var random = RandomStream(seed: config.seed, "kmeans", restart)
                var centers = KMeansPlusPlus.seed(xp, n: n, d: d, k: k, xNorms: xNorms, random: &random)
                let iterations = Lloyd.run(xp, n: n, d: d, k: k, xNorms: xNorms, centers: &centers,
                                           maxIterations: config.maxIterations, tolerance: tolerance).iterations
                let result = finished(xp, n: n, d: d, k: k, xNorms: xNorms, centers: centers, iterations: iterations,
                                      restart: restart)
                if best == nil || result.inertia < best!.inertia { best = result }
            }
            return best!
        }
    }

    /// Mini-batch k-means as scikit-learn's `MiniBatchKMeans` runs it: `restarts` k-means++
    /// seedings, each on its own random subset of 3 x batch points, are scored by their
    /// inertia on one common random validation subset of that size; the mini-batch updates
    /// then run once, from the best seeding (scikit-learn: "in contrast to KMeans, the
    /// algorithm is only run once, using the best of the n_init initializations").
    static func miniBatch(_ xp: UnsafePointer<Float>, n: Int, d: Int, k: Int, xNorms: [Float],
                          config: KMeansConfig) -> KMeansResult {
        let initSize = min(n, max(3 * config.batchSize, 3 * k))
        func subset(_ rows: [Int]) -> (x: [Float], norms: [Float]) {
            var sub = [Float](repeating: 0, count: rows.count * d)
            sub.withUnsafeMutableBufferPointer { sb in
                for (r, i) in rows.enumerated() { (sb.baseAddress! + r * d).update(from: xp + i * d, count: d) }
            }
            return (sub, rows.map { xNorms[$0] })
        }
        var validationRandom = RandomStream(seed: config.seed, "kmeans-validation")
        let validation = subset(initSize == n ? Array(0..<n) : validationRandom.sample(initSize, from: n))
        var bestCenters: [Float] = []
        var bestInertia = Double.infinity
        var bestRestart = 0
        for restart in 0..<max(1, config.restarts) {
            var random = RandomStream(seed: config.seed, "kmeans", restart)
            let sub = subset(initSize == n ? Array(0..<n) : random.sample(initSize, from: n))
            let centers = sub.x.withUnsafeBufferPointer { sb in
                KMeansPlusPlus.seed(sb.baseAddress!, n: initSize, d: d, k: k, xNorms: sub.norms, random: &random)
            }
            let inertia = validation.x.withUnsafeBufferPointer { vb in
                centers.withUnsafeBufferPointer { cb in
                    SquaredDistances.nearest(vb.baseAddress!, n: initSize, d: d, centers: cb.baseAddress!, k: k,
                                             xNorms: validation.norms).distances.reduce(0.0) { $0 + Double($1) }
                }
            }
            if inertia < bestInertia {
                bestInertia = inertia
                bestCenters = centers
                bestRestart = restart
            }
        }
        var random = RandomStream(seed: config.seed, "kmeans-minibatch")
        var centers = bestCenters
        let iterations = MiniBatchKMeans.run(xp, n: n, d: d, k: k, xNorms: xNorms, centers: &centers,
                                             config: config, random: &random)
        return finished(xp, n: n, d: d, k: k, xNorms: xNorms, centers: centers, iterations: iterations, restart: bestRestart)
    }

    /// Labels and exact inertia of all points for final `centers`.
    static func finished(_ xp: UnsafePointer<Float>, n: Int, d: Int, k: Int, xNorms: [Float], centers: [Float],
                         iterations: Int, restart: Int) -> KMeansResult {
        let labels = centers.withUnsafeBufferPointer { cb in
            SquaredDistances.nearest(xp, n: n, d: d, centers: cb.baseAddress!, k: k, xNorms: xNorms).labels
        }
        return KMeansResult(centers: centers, clusters: k, dimensions: d, labels: labels,
                            inertia: exactInertia(xp, n: n, d: d, centers: centers, labels: labels),
                            iterations: iterations, restart: restart)
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
