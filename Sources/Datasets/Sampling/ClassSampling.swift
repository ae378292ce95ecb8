import Foundation
import Linalg

/// How training batches pick classes (`training.sampling`), for imbalanced data sets such
/// as ZooScanNet (21,359 Evadne against a few hundred images of some taxa).
public enum ClassSampling: String, Codable, CaseIterable, Sendable {
    /// Every class equally likely, whatever its size (the default): rare classes are seen
    /// as often as common ones.
    case uniform
    /// Classes in proportion to their training images: every image equally likely.
    case proportional
    /// In proportion to the square root of their size: between the two.
    case sqrt

    /// The weight of a class of `size` images.
    public func weight(_ size: Int) -> Double {
        switch self {
        case .uniform: return 1
        case .proportional: return Double(size)
        case .sqrt: return Double(size).squareRoot()
        }
    }
}

extension RandomStream {
    /// An index drawn with probability proportional to `weights` (one uniform double;
    /// zero weights are never drawn).
    /// - Precondition: some weight is positive.
    public mutating func weighted(_ weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        precondition(total > 0, "weighted draw needs a positive weight")
        var u = uniformDouble() * total
        for (i, w) in weights.enumerated() where w > 0 {
            if u < w { return i }
            u -= w
        }
        return weights.lastIndex { $0 > 0 }!
    }

    /// `count` distinct indices drawn one after another with probability proportional to
    /// `weights` among those not drawn yet.
    public mutating func weightedSample(_ count: Int, weights: [Double]) -> [Int] {
        var w = weights
        var out: [Int] = []
        for _ in 0..<count {
            let i = weighted(w)
            out.append(i)
            w[i] = 0
        }
        return out
    }
}
