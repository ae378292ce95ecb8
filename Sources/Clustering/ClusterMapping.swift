/// How clusters become class predictions.
public enum MappingRule: String, Codable, Sendable, CaseIterable {
    /// One-to-one, maximising the number of points whose cluster maps to their class
    /// (Hungarian method on the cluster x class counts). krill's default.
    case hungarian
    /// The original study's rule, overwriting included (see `ClusterMapping.majority`).
    case majority
}

/// A cluster-to-class mapping fitted on one labelled split and applied to any other.
public struct ClusterMapping: Sendable, Equatable {
    /// The class of a cluster no class claimed under the majority rule (`Unknown` in the
    /// reports): its points count as misclassified.
    public static let unknown = -1

    /// The class predicted for each cluster (0..<classes, or `unknown`).
    public let classOfCluster: [Int]
    /// For each cluster, whether the rule itself assigned it (false: the documented
    /// fallback of the rule filled it in).
    public let assigned: [Bool]
    /// The cluster x class counts of the split the mapping was fitted on.
    public let counts: Contingency
    public let rule: MappingRule

    /// Predicted classes for cluster labels.
    public func predict(_ clusters: [Int]) -> [Int] { clusters.map { classOfCluster[$0] } }

    /// Points of the fitted split in cluster c that belong to its mapped class (0 for an
    /// unknown cluster).
    public func matchedCount(cluster c: Int) -> Int { classOfCluster[c] == ClusterMapping.unknown ? 0 : counts[c, classOfCluster[c]] }

    /// Points of the fitted split in cluster c.
    public func size(cluster c: Int) -> Int { (0..<counts.bCount).reduce(0) { $0 + counts[c, $1] } }

    /// Fits `rule` on cluster labels (0..<clusterCount) and true classes (0..<classCount).
    public static func fit(_ rule: MappingRule, clusters: [Int], classes: [Int],
                           clusterCount: Int, classCount: Int) -> ClusterMapping {
        switch rule {
        case .hungarian: return hungarian(clusters: clusters, classes: classes, clusterCount: clusterCount, classCount: classCount)
        case .majority: return majority(clusters: clusters, classes: classes, clusterCount: clusterCount, classCount: classCount)
        }
    }

    /// One-to-one mapping maximising matched counts. With more clusters than classes the
    /// clusters left over (`assigned == false`) take their majority class; with fewer,
    /// some classes are never predicted.
    public static func hungarian(clusters: [Int], classes: [Int], clusterCount: Int, classCount: Int) -> ClusterMapping {
        let table = Contingency(clusters, classes, aCount: clusterCount, bCount: classCount)
        let assignment = Hungarian.maximize(table.counts.map(Double.init), rows: clusterCount, cols: classCount)
        var mapped = [Int](repeating: 0, count: clusterCount)
        var assigned = [Bool](repeating: false, count: clusterCount)
        for c in 0..<clusterCount {
            if assignment[c] >= 0 {
                mapped[c] = assignment[c]
                assigned[c] = true
            } else {
                mapped[c] = majorityClass(of: c, table)
            }
        }
        return ClusterMapping(classOfCluster: mapped, assigned: assigned, counts: table, rule: .hungarian)
    }

    /// The original study's rule, as the seed notebook did it: for each class c in
    /// increasing order, the cluster holding most of class c's points (ties: the lowest
    /// cluster index) is labelled c, so a later class that picks the same cluster
    /// overwrites the earlier one, whose points then land elsewhere (in the report, four
    /// classes got recall 0 this way). Clusters no class picked (`assigned == false`)
    /// are `unknown`, as the original labelled them "Unknown": their points are
    /// misclassified whatever their class.
    public static func majority(clusters: [Int], classes: [Int], clusterCount: Int, classCount: Int) -> ClusterMapping {
        let table = Contingency(clusters, classes, aCount: clusterCount, bCount: classCount)
        var mapped = [Int](repeating: -1, count: clusterCount)
        for cls in 0..<classCount {
            var best = 0
            for c in 1..<max(1, clusterCount) where table[c, cls] > table[best, cls] { best = c }
            if clusterCount > 0 { mapped[best] = cls }
        }
        let assigned = mapped.map { $0 != unknown }
        return ClusterMapping(classOfCluster: mapped, assigned: assigned, counts: table, rule: .majority)
    }

    /// The class with most points in cluster c (ties: lowest class index).
    static func majorityClass(of c: Int, _ table: Contingency) -> Int {
        var best = 0
        for k in 0..<table.bCount where table[c, k] > table[c, best] { best = k }
        return best
    }
}
