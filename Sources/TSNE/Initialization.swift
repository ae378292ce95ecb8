import Foundation
import Linalg

/// openTSNE's PCA initialisation: the data projected on its first two principal axes,
/// scaled so the first coordinate has standard deviation 1e-4, plus a seeded Gaussian
/// jitter of 1% of that (openTSNE's `add_jitter`, which separates duplicate points).
/// Sign convention (deterministic, scikit-learn's `svd_flip` on the axes): each axis is
/// oriented so its largest-magnitude loading is positive (ties: the first).
public enum Initialization {
    /// How the layout starts (`evaluate.tsne.init`).
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// The data's first two principal axes (openTSNE's default, `pca`).
        case pca
        /// Gaussian noise of standard deviation 1e-4 (scikit-learn's `random`, its default
        /// before version 1.2).
        case random
    }

    /// scikit-learn's random initialisation: n x 2 Gaussian values of standard deviation
    /// 1e-4, from `RandomStream(seed, "tsne", "random-init")`.
    public static func random(n: Int, seed: UInt64) -> [Float] {
        var stream = RandomStream(seed: seed, "tsne", "random-init")
        return (0..<(n * 2)).map { _ in Float(1e-4 * Double(stream.normal())) }
    }

    /// - Returns: n x 2 row-major coordinates.
    public static func pca(_ x: [Float], n: Int, d: Int, seed: UInt64 = 0) -> [Float] {
        precondition(x.count == n * d, "PCA: \(x.count) values for \(n) x \(d)")
        guard n > 0 else { return [] }
        let axes = principalAxes(x, n: n, d: d, count: 2)
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<n { for j in 0..<d { mean[j] += Double(x[i * d + j]) } }
        for j in 0..<d { mean[j] /= Double(n) }
        var y = [Double](repeating: 0, count: n * 2)
        for i in 0..<n {
            for a in 0..<2 {
                var s = 0.0
                for j in 0..<d { s += (Double(x[i * d + j]) - mean[j]) * axes[a * d + j] }
                y[i * 2 + a] = s
            }
        }
        var m0 = 0.0
        for i in 0..<n { m0 += y[i * 2] }
        m0 /= Double(n)
        var v0 = 0.0
        for i in 0..<n { v0 += (y[i * 2] - m0) * (y[i * 2] - m0) }
        let std0 = (v0 / Double(n)).squareRoot()
        let scale = std0 > 0 ? 1e-4 / std0 : 1
        var random = RandomStream(seed: seed, "tsne", "jitter")
        var out = [Float](repeating: 0, count: n * 2)
        for t in 0..<(n * 2) { out[t] = Float(y[t] * scale + 1e-6 * Double(random.normal())) }
        return out
    }

    /// The `count` leading eigenvectors of the covariance of x (count x d, row-major, unit
    /// length, signs fixed as above), by cyclic Jacobi rotations on the d x d covariance
    /// (in Double; d is the embedding size, so O(d³) is small).
    public static func principalAxes(_ x: [Float], n: Int, d: Int, count: Int) -> [Double] {
        // Covariance (unnormalised) through GEMM on centred Float data.
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<n { for j in 0..<d { mean[j] += Double(x[i * d + j]) } }
        for j in 0..<d { mean[j] /= Double(max(n, 1)) }
        var centred = [Float](repeating: 0, count: n * d)
        for i in 0..<n { for j in 0..<d { centred[i * d + j] = Float(Double(x[i * d + j]) - mean[j]) } }
        var cov32 = [Float](repeating: 0, count: d * d)
        centred.withUnsafeBufferPointer { cb in
            cov32.withUnsafeMutableBufferPointer { ob in
                Gemm.sgemm(transA: true, m: d, n: d, k: n, a: cb.baseAddress!, lda: d, b: cb.baseAddress!, ldb: d,
                           c: ob.baseAddress!, ldc: d)
            }
        }
        var a = cov32.map(Double.init)
        for i in 0..<d { for j in 0..<i { let s = (a[i * d + j] + a[j * d + i]) / 2; a[i * d + j] = s; a[j * d + i] = s } }
        var v = [Double](repeating: 0, count: d * d)
        for i in 0..<d { v[i * d + i] = 1 }
        for _ in 0..<100 {
            var off = 0.0, total = 0.0
            for i in 0..<d { for j in 0..<d { let s = a[i * d + j] * a[i * d + j]; total += s; if i != j { off += s } } }
            if off <= 1e-30 * max(total, 1e-300) { break }
            for p in 0..<(d - 1) {
                for q in (p + 1)..<d {
                    let apq = a[p * d + q]
                    if apq == 0 { continue }
                    let theta = (a[q * d + q] - a[p * d + p]) / (2 * apq)
                    let t = (theta >= 0 ? 1 : -1) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for r in 0..<d {
                        let arp = a[r * d + p], arq = a[r * d + q]
                        a[r * d + p] = c * arp - s * arq
                        a[r * d + q] = s * arp + c * arq
                    }
                    for r in 0..<d {
                        let apr = a[p * d + r], aqr = a[q * d + r]
                        a[p * d + r] = c * apr - s * aqr
                        a[q * d + r] = s * apr + c * aqr
                    }
                    for r in 0..<d {
                        let vrp = v[r * d + p], vrq = v[r * d + q]
                        v[r * d + p] = c * vrp - s * vrq
                        v[r * d + q] = s * vrp + c * vrq
                    }
                }
            }
        }
        let order = (0..<d).sorted { a[$0 * d + $0] != a[$1 * d + $1] ? a[$0 * d + $0] > a[$1 * d + $1] : $0 < $1 }
        var axes = [Double](repeating: 0, count: count * d)
        for (r, col) in order.prefix(count).enumerated() {
            var big = 0
            for j in 0..<d where abs(v[j * d + col]) > abs(v[big * d + col]) { big = j }
            let sign: Double = v[big * d + col] < 0 ? -1 : 1
            for j in 0..<d { axes[r * d + j] = sign * v[j * d + col] }
        }
        return axes
    }
}
