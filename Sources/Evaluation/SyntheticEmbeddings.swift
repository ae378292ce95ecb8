import Foundation
import Linalg

/// Embedding-like test and benchmark data: `classes` Gaussian classes in a
/// 16-dimensional latent space (class means N(0, 1), per-class spreads between 0.8 and
/// 1.3, so neighbouring classes overlap about as much as in the original study: an SVM
/// gets about 0.75 and k-means about 0.55 of the 27 default classes right), mapped
/// linearly into `dimensions` dimensions with small isotropic noise, then scaled to unit
/// length, as a network with an L2-normalised output gives. Labels are interleaved (row i has class i % classes).
/// Everything is drawn from `RandomStream(seed: seed, "synthetic-embeddings", ...)`:
/// the same arguments give the same bits on every machine.
public enum SyntheticEmbeddings {
    /// - Returns: n x dimensions row-major values and one class per row.
    public static func generate(points n: Int = 2700, dimensions d: Int = 64, classes k: Int = 27,
                                seed: UInt64 = 42) -> (x: [Float], labels: [Int]) {
        precondition(n >= 0 && d > 0 && k > 0, "synthetic embeddings need d > 0 and classes > 0")
        let latent = 16
        var model = RandomStream(seed: seed, "synthetic-embeddings", "model")
        let means = (0..<(k * latent)).map { _ in model.normal() }
        let spreads = (0..<k).map { _ in 0.8 + 0.5 * model.uniform() }
        let scale = 1 / Float(latent).squareRoot()
        let w = (0..<(latent * d)).map { _ in model.normal() * scale }
        var x = [Float](repeating: 0, count: n * d)
        var labels = [Int](repeating: 0, count: n)
        var z = [Float](repeating: 0, count: latent)
        for i in 0..<n {
            var random = RandomStream(seed: seed, "synthetic-embeddings", "point", i)
            let c = i % k
            labels[i] = c
            for t in 0..<latent { z[t] = means[c * latent + t] + spreads[c] * random.normal() }
            var norm: Float = 0
            for j in 0..<d {
                var v: Float = 0.05 * random.normal()
                for t in 0..<latent { v += z[t] * w[t * d + j] }
                x[i * d + j] = v
                norm += v * v
            }
            let inv = norm > 0 ? 1 / norm.squareRoot() : 0
            for j in 0..<d { x[i * d + j] *= inv }
        }
        return (x, labels)
    }
}
