import Foundation

/// Agreement between a clustering and the true classes that needs no cluster-to-class
/// mapping. Both follow scikit-learn exactly (natural logarithms, Double arithmetic).
public enum ClusterMetrics {
    /// Normalised mutual information with the arithmetic-mean normalisation
    /// (scikit-learn's `normalized_mutual_info_score` default): MI / ((H(true) + H(pred)) / 2).
    /// Both labelings constant (one label each) gives 1; an empty input gives 1.
    public static func nmi(_ truth: [Int], _ predicted: [Int]) -> Double {
        let table = Contingency(labels: truth, predicted)
        if (table.aCount == 1 && table.bCount == 1) || (table.aCount == 0 && table.bCount == 0) { return 1 }
        let mi = mutualInformation(table)
        // scikit-learn: mi = 0 cannot be a perfect match once the case above is handled.
        if mi == 0 { return 0 }
        let hTrue = entropy(table.rowSums)
        let hPred = entropy(table.columnSums)
        let normalizer = max((hTrue + hPred) / 2, Double.ulpOfOne)
        return mi / normalizer
    }

    /// Mutual information (nats) of a contingency table, as scikit-learn's `mutual_info_score`
    /// computes it: 0 when either labeling is constant, per-cell terms below machine epsilon
    /// dropped, the sum clipped below at 0.
    public static func mutualInformation(_ table: Contingency) -> Double {
        let rows = table.rowSums.filter { $0 > 0 }
        let cols = table.columnSums.filter { $0 > 0 }
        if rows.count <= 1 || cols.count <= 1 { return 0 }
        let allRows = table.rowSums, allCols = table.columnSums
        let sum = Double(table.total)
        let logSum = log(sum)
        var mi: Double = 0
        for a in 0..<table.aCount {
            for b in 0..<table.bCount {
                let c = table[a, b]
                guard c > 0 else { continue }
                let nm = Double(c) / sum
                let outer = Double(allRows[a]) * Double(allCols[b])
                let logOuter = -log(outer) + logSum + logSum
                let term = nm * (log(Double(c)) - logSum) + nm * logOuter
                if abs(term) >= Double.ulpOfOne { mi += term }
            }
        }
        return max(mi, 0)
    }

    /// Entropy (nats) of a label distribution given by counts, as scikit-learn's
    /// `entropy`: 0 for a single label, and 1 (scikit-learn's convention) for no labels at all.
    public static func entropy(_ counts: [Int]) -> Double {
        let nonzero = counts.filter { $0 > 0 }
        if nonzero.isEmpty { return 1 }
        if nonzero.count == 1 { return 0 }
        let sum = Double(nonzero.reduce(0, +))
        let logSum = log(sum)
        var h: Double = 0
        for c in nonzero {
            let p = Double(c)
            h += (p / sum) * (log(p) - logSum)
        }
        return -h
    }

    /// Adjusted Rand index (Hubert & Arabie 1985) through the pair-confusion matrix, as
    /// scikit-learn's `adjusted_rand_score`: 1 when the two partitions agree on every pair.
    public static func ari(_ truth: [Int], _ predicted: [Int]) -> Double {
        let table = Contingency(labels: truth, predicted)
        let n = Double(table.total)
        let rows = table.rowSums.map(Double.init)
        let cols = table.columnSums.map(Double.init)
        var sumSquares: Double = 0
        for c in table.counts { sumSquares += Double(c) * Double(c) }
        // pair_confusion_matrix: C @ n_k summed is Σ_ab n_ab * colsum_b; likewise for rows.
        var byCols: Double = 0, byRows: Double = 0
        for a in 0..<table.aCount {
            for b in 0..<table.bCount {
                let c = Double(table[a, b])
                byCols += c * cols[b]
                byRows += c * rows[a]
            }
        }
        let tp = sumSquares - n
        let fp = byCols - sumSquares   // C[0, 1]
        let fn = byRows - sumSquares   // C[1, 0]
        let tn = n * n - fp - fn - sumSquares
        if fn == 0 && fp == 0 { return 1 }
        return 2 * (tp * tn - fn * fp) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn))
    }
}
