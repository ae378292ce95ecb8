import Foundation
import Linalg

/// Lloyd's algorithm from given centers: assign every point to its nearest center (one
/// GEMM per block of points), move each center to the mean of its points (in Double),
/// repeat until no label changes or the centers move less than the tolerance.
enum Lloyd {
    /// Runs Lloyd in place on `centers` (k x d).
    /// - Parameter tolerance: absolute bound on the summed squared center shift.
    /// - Returns: the final labels and the number of iterations.
    static func run(_ x: UnsafePointer<Float>, n: Int, d: Int, k: Int, xNorms: [Float],
                    centers: inout [Float], maxIterations: Int, tolerance: Double) -> (labels: [Int], iterations: Int) {
        var labels = [Int](repeating: -1, count: n)
        var sums = [Double](repeating: 0, count: k * d)
        var counts = [Int](repeating: 0, count: k)
        var iterations = 0
        while iterations < maxIterations {
            iterations += 1
            let (newLabels, distances) = centers.withUnsafeBufferPointer { cb in
                SquaredDistances.nearest(x, n: n, d: d, centers: cb.baseAddress!, k: k, xNorms: xNorms)
            }
            if newLabels == labels { break }
            labels = newLabels
            relocateEmpty(labels: &labels, distances: distances, k: k)
            var shift: Double = 0
            sums.withUnsafeMutableBufferPointer { sb in
                counts.withUnsafeMutableBufferPointer { cb in
                    centers.withUnsafeMutableBufferPointer { ctr in
                        let sp = sb.baseAddress!, cp = cb.baseAddress!, cc = ctr.baseAddress!
                        sp.update(repeating: 0, count: k * d)
                        cp.update(repeating: 0, count: k)
                        for i in 0..<n {
                            let c = labels[i]
                            cp[c] += 1
                            let row = x + i * d
                            let sum = sp + c * d
                            for j in 0..<d { sum[j] += Double(row[j]) }
                        }
                        for c in 0..<k where cp[c] > 0 {
                            let inv = 1 / Double(cp[c])
                            for j in 0..<d {
                                let v = Float(sp[c * d + j] * inv)
                                let t = Double(v) - Double(cc[c * d + j])
                                shift += t * t
                                cc[c * d + j] = v
                            }
                        }
                    }
                }
            }
            if shift <= tolerance {
                labels = centers.withUnsafeBufferPointer { cb in
                    SquaredDistances.nearest(x, n: n, d: d, centers: cb.baseAddress!, k: k, xNorms: xNorms).labels
                }
                break
            }
        }
        return (labels, iterations)
    }

    /// Empty clusters take the points farthest from their centers (scikit-learn's rule):
    /// the e-th empty cluster (in index order) gets the e-th farthest point (ties to the
    /// lower point index), which then counts as that cluster's only member.
    static func relocateEmpty(labels: inout [Int], distances: [Float], k: Int) {
        var counts = [Int](repeating: 0, count: k)
        for l in labels { counts[l] += 1 }
        let empty = (0..<k).filter { counts[$0] == 0 }
        guard !empty.isEmpty else { return }
        let order = labels.indices.sorted { distances[$0] != distances[$1] ? distances[$0] > distances[$1] : $0 < $1 }
        var taken = 0
        for c in empty {
            // Skip points that are the only member of their cluster: moving them would empty it.
            while taken < order.count && counts[labels[order[taken]]] <= 1 { taken += 1 }
            guard taken < order.count else { return }
            let i = order[taken]
            counts[labels[i]] -= 1
            labels[i] = c
            counts[c] = 1
            taken += 1
        }
    }
}
