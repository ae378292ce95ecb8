import Charts
import Foundation
import Imaging

/// Fixed, deterministic chart inputs for the tests (no randomness from the system).
enum Fixtures {
    /// SplitMix64: the same numbers on every machine.
    struct Random {
        var state: UInt64
        init(_ seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        /// Uniform in [0, 1).
        mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }
        /// Standard normal (Box-Muller).
        mutating func normal() -> Double {
            let u = max(uniform(), 1e-12), v = uniform()
            return (-2 * Foundation.log(u)).squareRoot() * cos(2 * Double.pi * v)
        }
    }

    /// 27 ZooScan-like taxa, a few with long names as the real ones have.
    static let taxa27 = [
        "Acantharea", "Actinopterygii", "Appendicularia", "Calanidae", "Calanoida", "Candaciidae",
        "Centropagidae", "Chaetognatha", "Copilia", "Corycaeidae", "Creseis", "Decapoda", "Doliolida",
        "egg__Actinopterygii", "Eucalanidae", "Euchaetidae", "Evadne", "Foraminifera", "Fritillariidae",
        "Harpacticoida", "Limacinidae", "nauplii__Crustacea", "Noctiluca", "Oithonidae", "Oncaeidae",
        "Ostracoda", "badfocus__artefact",
    ]

    static let taxa6 = ["Calanoida", "Chaetognatha", "Oithonidae", "Appendicularia", "Noctiluca", "detritus"]

    /// A confusion matrix with `perClass` images per true class, mostly on the diagonal.
    static func confusion(classes n: Int, perClass: Int = 100, seed: UInt64 = 7) -> [[Int]] {
        var rng = Random(seed)
        return (0..<n).map { i in
            var row = [Int](repeating: 0, count: n)
            let accuracy = 0.55 + 0.4 * rng.uniform()
            var left = perClass
            let correct = Int(Double(perClass) * accuracy)
            row[i] = correct
            left -= correct
            // Spread the rest over a few neighbours, one favourite.
            let favourite = (i + 1 + Int(rng.next() % UInt64(n - 1))) % n
            let toFavourite = left / 2
            if favourite != i { row[favourite] += toFavourite; left -= toFavourite }
            while left > 0 {
                let j = Int(rng.next() % UInt64(n))
                if j == i { continue }
                let k = min(left, 1 + Int(rng.next() % 3))
                row[j] += k
                left -= k
            }
            return row
        }
    }

    /// A symmetric centroid-distance matrix with cluster sizes on the diagonal.
    static func centroids(classes n: Int, seed: UInt64 = 11) -> [[Double]] {
        var rng = Random(seed)
        let points = (0..<n).map { _ in (rng.normal() * 1.2, rng.normal() * 1.2, rng.normal()) }
        let sizes = (0..<n).map { _ in 0.25 + 0.35 * rng.uniform() }
        return (0..<n).map { i in
            (0..<n).map { j in
                if i == j { return sizes[i] }
                let a = points[i], b = points[j]
                return ((a.0 - b.0) * (a.0 - b.0) + (a.1 - b.1) * (a.1 - b.1) + (a.2 - b.2) * (a.2 - b.2)).squareRoot()
            }
        }
    }

    /// Loss curves over `epochs` epochs and a step learning-rate schedule.
    static func history(epochs: Int = 30) -> (train: [Double], validation: [Double], lr: [Double]) {
        var rng = Random(3)
        var train: [Double] = [], val: [Double] = [], lr: [Double] = []
        for e in 1...epochs {
            let t = Double(e)
            train.append(0.08 + 0.9 * exp(-t / 6) + 0.015 * rng.normal())
            val.append(0.16 + 0.85 * exp(-t / 7) + 0.02 * rng.normal() + (t > 20 ? 0.004 * (t - 20) : 0))
            lr.append(0.001 * pow(0.5, Double((e - 1) / 10)))
        }
        return (train, val, lr)
    }

    /// A t-SNE-like layout: `perClass` points around one centre per class; `spread`
    /// scales the cluster widths (frames of an animation tighten over epochs).
    static func tsne(classes n: Int, perClass: Int, spread: Double = 1, seed: UInt64 = 5)
        -> (x: [Double], y: [Double], classes: [Int]) {
        var rng = Random(seed)
        let centres = (0..<n).map { k -> (Double, Double) in
            let angle = Double(k) * 2.399963 // golden angle: centres spread evenly
            let r = 9 * Double(k + 1).squareRoot()
            return (r * cos(angle), r * sin(angle))
        }
        var xs: [Double] = [], ys: [Double] = [], cs: [Int] = []
        for k in 0..<n {
            for _ in 0..<perClass {
                xs.append(centres[k].0 + rng.normal() * 3.2 * spread)
                ys.append(centres[k].1 + rng.normal() * 3.2 * spread)
                cs.append(k)
            }
        }
        return (xs, ys, cs)
    }

    /// A synthetic plankton-like grey image: a dark elongated blob on white.
    static func plankton(size: Int = 64, seed: UInt64, elongation: Double = 2.5, legs: Int = 0) -> GrayImage {
        var rng = Random(seed)
        let angle = rng.uniform() * Double.pi
        let (c, s) = (cos(angle), sin(angle))
        let a = Double(size) * 0.36, b = a / elongation
        var img = GrayImage(width: size, height: size, fill: 255)
        for y in 0..<size {
            for x in 0..<size {
                let dx = Double(x) - Double(size) / 2, dy = Double(y) - Double(size) / 2
                let u = dx * c + dy * s, v = -dx * s + dy * c
                var d = (u * u) / (a * a) + (v * v) / (b * b)
                if legs > 0 && abs(v) < 1.2 && abs(u) < a * 1.25 && Int(abs(u)) % 5 < 2 { d = min(d, 0.9) }
                if d < 1 {
                    let shade = 40 + 120 * d + 20 * rng.uniform()
                    img[x, y] = UInt8(max(0, min(255, shade)))
                }
            }
        }
        return img
    }
}
