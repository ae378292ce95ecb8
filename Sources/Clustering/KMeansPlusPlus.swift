import Foundation
import Linalg

/// Greedy k-means++ seeding as scikit-learn does it (Arthur & Vassilvitskii 2007, with
/// `2 + floor(ln k)` local trials per center, keeping the candidate that lowers the
/// potential most).
public enum KMeansPlusPlus {
    /// Picks k rows of `x` (n x d) as initial centers.
    /// - Returns: k x d row-major centers.
    public static func seed(_ x: UnsafePointer<Float>, n: Int, d: Int, k: Int,
                            xNorms: [Float], random: inout RandomStream, threads: Int = 2) -> [Float] {
        precondition(k > 0 && k <= n, "k-means++ needs 0 < k (\(k)) <= n (\(n))")
        var centers = [Float](repeating: 0, count: k * d)
        let trials = 2 + Int(log(Double(k)))
        let first = random.below(n)
        centers.withUnsafeMutableBufferPointer { cb in
            (cb.baseAddress!).update(from: x + first * d, count: d)
        }
        var closest = centers.withUnsafeBufferPointer { cb in
            SquaredDistances.matrix(cb.baseAddress!, m: 1, x, n: n, d: d, bNorms: xNorms)
        }
        var potential = closest.reduce(0.0) { $0 + Double($1) }
        var candidateRows = [Float](repeating: 0, count: trials * d)
        var cumulative = [Double](repeating: 0, count: n)
        for c in 1..<k {
            var run: Double = 0
            for i in 0..<n { run += Double(closest[i]); cumulative[i] = run }
            var candidates = [Int](repeating: 0, count: trials)
            for t in 0..<trials {
                let r = random.uniformDouble() * run
                // searchsorted (left): first index with cumulative >= r... numpy's default
                // side='left' returns the first i with cumulative[i] >= r.
                var lo = 0, hi = n
                while lo < hi {
                    let mid = (lo + hi) / 2
                    if cumulative[mid] < r { lo = mid + 1 } else { hi = mid }
                }
                candidates[t] = min(lo, n - 1)
            }
            for t in 0..<trials {
                for j in 0..<d { candidateRows[t * d + j] = x[candidates[t] * d + j] }
            }
            // dists[t * n + i] = min(closest[i], |x_i - candidate_t|²), by blocks of points.
            var dists = [Float](repeating: 0, count: trials * n)
            let candidateNorms = candidateRows.withUnsafeBufferPointer { SquaredDistances.rowNorms($0.baseAddress!, n: trials, d: d) }
            dists.withUnsafeMutableBufferPointer { db in
                candidateRows.withUnsafeBufferPointer { cb in
                    closest.withUnsafeBufferPointer { clb in
                        let dp = db.baseAddress!, cl = clb.baseAddress!
                        SquaredDistances.forEachCrossBlock(x, n: n, d: d, centers: cb.baseAddress!, k: trials,
                                                           threads: threads) { start, rows, cross in
                            for r in 0..<rows {
                                let i = start + r
                                for t in 0..<trials {
                                    let v = max(0, xNorms[i] + candidateNorms[t] - 2 * cross[r * trials + t])
                                    dp[t * n + i] = min(cl[i], v)
                                }
                            }
                        }
                    }
                }
            }
            var best = 0
            var bestPotential = Double.infinity
            for t in 0..<trials {
                var pot: Double = 0
                for i in 0..<n { pot += Double(dists[t * n + i]) }
                if pot < bestPotential { bestPotential = pot; best = t }
            }
            potential = bestPotential
            for i in 0..<n { closest[i] = dists[best * n + i] }
            for j in 0..<d { centers[c * d + j] = x[candidates[best] * d + j] }
        }
        _ = potential
        return centers
    }
}
