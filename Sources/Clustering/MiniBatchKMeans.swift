import Foundation
import Linalg

/// Mini-batch k-means after scikit-learn's `MiniBatchKMeans` (Sculley 2010): each step
/// draws `batchSize` points with replacement, assigns them to the nearest center and
/// moves each center towards the mean of its batch points with a per-center learning
/// rate 1/count (center = (center * count + batch sum) / (count + batch count)).
/// Centers with counts below `reassignmentRatio * max count` are moved to random batch
/// points (checked whenever a count is 0 or after 10 * k points since the last check).
/// Stops after `maxIterations` passes over the data or `maxNoImprovement` batches without
/// a new best smoothed (EWA) batch inertia.
enum MiniBatchKMeans {
    /// Runs the mini-batch updates in place on `centers` (k x d).
    /// - Returns: the number of batches run.
    static func run(_ x: UnsafePointer<Float>, n: Int, d: Int, k: Int, xNorms: [Float],
                    centers: inout [Float], config: KMeansConfig, random: inout RandomStream) -> Int {
        let batch = max(1, min(config.batchSize, n))
        let steps = max(1, (config.maxIterations * n) / batch)
        var counts = [Double](repeating: 0, count: k)
        var rows = [Float](repeating: 0, count: batch * d)
        var rowNorms = [Float](repeating: 0, count: batch)
        var sums = [Double](repeating: 0, count: k * d)
        var batchCounts = [Int](repeating: 0, count: k)
        let alpha = min(1, Double(batch) * 2 / Double(n + 1))
        var ewa: Double? = nil
        var best = Double.infinity
        var noImprovement = 0
        var sinceReassign = 0
        var step = 0
        while step < steps {
            step += 1
            rows.withUnsafeMutableBufferPointer { rb in
                let rp = rb.baseAddress!
                for b in 0..<batch {
                    let i = random.below(n)
                    (rp + b * d).update(from: x + i * d, count: d)
                    rowNorms[b] = xNorms[i]
                }
            }
            let (labels, distances) = rows.withUnsafeBufferPointer { rb in
                centers.withUnsafeBufferPointer { cb in
                    SquaredDistances.nearest(rb.baseAddress!, n: batch, d: d, centers: cb.baseAddress!, k: k, xNorms: rowNorms)
                }
            }
            // Update: per-center learning rate 1 / (accumulated count).
            sums.withUnsafeMutableBufferPointer { sb in
                batchCounts.withUnsafeMutableBufferPointer { bcb in
                    rows.withUnsafeBufferPointer { rb in
                        centers.withUnsafeMutableBufferPointer { ctr in
                            counts.withUnsafeMutableBufferPointer { cnb in
                                let sp = sb.baseAddress!, bc = bcb.baseAddress!, rp = rb.baseAddress!
                                let cc = ctr.baseAddress!, cn = cnb.baseAddress!
                                sp.update(repeating: 0, count: k * d)
                                bc.update(repeating: 0, count: k)
                                for b in 0..<batch {
                                    let c = labels[b]
                                    bc[c] += 1
                                    let sum = sp + c * d, row = rp + b * d
                                    for j in 0..<d { sum[j] += Double(row[j]) }
                                }
                                for c in 0..<k where bc[c] > 0 {
                                    let old = cn[c]
                                    let total = old + Double(bc[c])
                                    let inv = 1 / total
                                    for j in 0..<d {
                                        cc[c * d + j] = Float((Double(cc[c * d + j]) * old + sp[c * d + j]) * inv)
                                    }
                                    cn[c] = total
                                }
                            }
                        }
                    }
                }
            }
            // Random reassignment of starved centers.
            sinceReassign += batch
            if counts.contains(0) || sinceReassign >= 10 * k {
                sinceReassign = 0
                let limit = config.reassignmentRatio * (counts.max() ?? 0)
                var starved = (0..<k).filter { counts[$0] < limit }
                let cap = max(1, batch / 2)
                if starved.count > cap { starved = Array(starved.prefix(cap)) }
                if !starved.isEmpty && starved.count < k {
                    let picks = random.sample(starved.count, from: batch)
                    let keptMin = (0..<k).filter { !starved.contains($0) }.map { counts[$0] }.min() ?? 0
                    for (s, c) in starved.enumerated() {
                        for j in 0..<d { centers[c * d + j] = rows[picks[s] * d + j] }
                        counts[c] = keptMin
                    }
                }
            }
            // Early stopping on the smoothed batch inertia (per point).
            var inertia: Double = 0
            for b in 0..<batch { inertia += Double(distances[b]) }
            inertia /= Double(batch)
            if step == 1 { continue }
            ewa = ewa.map { $0 * (1 - alpha) + inertia * alpha } ?? inertia
            if ewa! < best {
                best = ewa!
                noImprovement = 0
            } else {
                noImprovement += 1
                if noImprovement >= config.maxNoImprovement { break }
            }
        }
        return step
    }
}
