import Linalg
import Foundation

/// The input similarities of t-SNE: for each point a Gaussian over its k nearest
/// neighbours whose bandwidth is found by binary search so that the entropy of the
/// conditional distribution P(j|i) is ln(perplexity) (within 1e-5 nats, at most 100
/// halvings, as scikit-learn does), then symmetrised: p_ij = (P(j|i) + P(i|j)) / (2N),
/// a sparse matrix summing to 1, stored as compressed rows.
public struct Affinities: Sendable, Equatable {
    public let n: Int
    /// Row i's entries are `columns[rowStart[i]..<rowStart[i+1]]`, `values[...]` (sorted by column).
    public let rowStart: [Int]
    public let columns: [Int32]
    public let values: [Float]

    public init(n: Int, rowStart: [Int], columns: [Int32], values: [Float]) {
        self.n = n
        self.rowStart = rowStart
        self.columns = columns
        self.values = values
    }

    /// k = min(N - 1, floor(3 * perplexity)), the neighbours each Gaussian is fitted on.
    public static func neighbourCount(points n: Int, perplexity: Double) -> Int {
        max(1, min(n - 1, Int(3 * perplexity)))
    }

    /// Nearest neighbours (exact, or approximate as `neighbors` resolves for n points, its
    /// trees drawn from `seed`), calibrated Gaussians, symmetrised P for n x d points.
    public static func perplexityBased(_ x: [Float], n: Int, d: Int, perplexity: Double, threads: Int = 2,
                                       neighbors: TSNEConfig.NeighborMethod = .exact, seed: UInt64 = 0) -> Affinities {
        let k = neighbourCount(points: n, perplexity: perplexity)
        let nn = neighbors.resolved(points: n) == .approximate
            ? ApproximateNeighbors.search(x, n: n, d: d, k: k, seed: seed, threads: threads)
            : NearestNeighbors.exact(x, n: n, d: d, k: k, threads: threads)
        let conditional = conditionalProbabilities(nn, n: n, perplexity: perplexity, threads: threads)
        return symmetrize(conditional, indices: nn.indices, n: n, k: k)
    }

    /// P(j|i) over each point's neighbours (n x k, rows sum to 1), calibrated to `perplexity`.
    public static func conditionalProbabilities(_ nn: NearestNeighbors.Result, n: Int, perplexity: Double,
                                                threads: Int = 2) -> [Float] {
        let k = nn.k
        var out = [Float](repeating: 0, count: n * k)
        let target = log(min(perplexity, Double(k)))
        out.withUnsafeMutableBufferPointer { ob in
            let op = ob.baseAddress!
            nn.squaredDistances.withUnsafeBufferPointer { db in
                let dp = db.baseAddress!
                Parallel.forEachChunk(n, chunks: 32, threads: threads) { _, _, range in
                    var p = [Double](repeating: 0, count: k)
                    for i in range {
                        calibrateRow(dp + i * k, k: k, targetEntropy: target, into: &p)
                        for t in 0..<k { op[i * k + t] = Float(p[t]) }
                    }
                }
            }
        }
        return out
    }

    /// Binary search on the precision beta of exp(-beta * d) for one row of squared
    /// distances (shifted by the smallest, which leaves P unchanged and avoids underflow).
    static func calibrateRow(_ dist: UnsafePointer<Float>, k: Int, targetEntropy: Double, into p: inout [Double]) {
        var dmin = Double.infinity
        for t in 0..<k { dmin = min(dmin, Double(dist[t])) }
        var beta = 1.0, lo = -Double.infinity, hi = Double.infinity
        for _ in 0..<100 {
            var sum = 0.0
            for t in 0..<k { let v = exp(-(Double(dist[t]) - dmin) * beta); p[t] = v; sum += v }
            if sum == 0 { sum = 1e-8 }
            var weighted = 0.0
            for t in 0..<k { p[t] /= sum; weighted += (Double(dist[t]) - dmin) * p[t] }
            let entropy = log(sum) + beta * weighted
            let diff = entropy - targetEntropy
            if abs(diff) <= 1e-5 { return }
            if diff > 0 {
                lo = beta
                beta = hi == .infinity ? beta * 2 : (beta + hi) / 2
            } else {
                hi = beta
                beta = lo == -.infinity ? beta / 2 : (beta + lo) / 2
            }
        }
    }

    /// (P + Pᵀ) / (2N) as compressed rows, each row sorted by column.
    public static func symmetrize(_ conditional: [Float], indices: [Int32], n: Int, k: Int) -> Affinities {
        // Count entries per row: i's neighbours plus the points that have i as neighbour.
        var counts = [Int](repeating: 0, count: n + 1)
        for i in 0..<n {
            for t in 0..<k {
                counts[i] += 1
                counts[Int(indices[i * k + t])] += 1
            }
        }
        var start = [Int](repeating: 0, count: n + 1)
        for i in 0..<n { start[i + 1] = start[i] + counts[i] }
        var fill = start
        var cols = [Int32](repeating: 0, count: start[n])
        var vals = [Double](repeating: 0, count: start[n])
        for i in 0..<n {
            for t in 0..<k {
                let j = Int(indices[i * k + t])
                let v = Double(conditional[i * k + t])
                cols[fill[i]] = Int32(j); vals[fill[i]] = v; fill[i] += 1
                cols[fill[j]] = Int32(i); vals[fill[j]] = v; fill[j] += 1
            }
        }
        // Sort each row by column and merge duplicates (pairs that are mutual neighbours).
        var rowStart = [Int](repeating: 0, count: n + 1)
        var outCols: [Int32] = []
        var outVals: [Float] = []
        outCols.reserveCapacity(start[n])
        outVals.reserveCapacity(start[n])
        let scale = 1 / (2 * Double(n))
        for i in 0..<n {
            let order = (start[i]..<start[i + 1]).sorted { cols[$0] < cols[$1] }
            var t = 0
            while t < order.count {
                let c = cols[order[t]]
                var v = 0.0
                while t < order.count && cols[order[t]] == c { v += vals[order[t]]; t += 1 }
                outCols.append(c)
                outVals.append(Float(v * scale))
            }
            rowStart[i + 1] = outCols.count
        }
        return Affinities(n: n, rowStart: rowStart, columns: outCols, values: outVals)
    }
}
