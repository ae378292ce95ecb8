/// A contingency table of two labelings of the same n items: `counts[a * bCount + b]` is
/// the number of items with label a in the first labeling and b in the second.
public struct Contingency: Sendable, Equatable {
    public let aCount: Int
    public let bCount: Int
    public let counts: [Int]

    /// - Precondition: labels in 0..<aCount and 0..<bCount, equal lengths.
    public init(_ a: [Int], _ b: [Int], aCount: Int, bCount: Int) {
        precondition(a.count == b.count, "contingency: \(a.count) vs \(b.count) labels")
        var counts = [Int](repeating: 0, count: aCount * bCount)
        for (x, y) in zip(a, b) {
            precondition(x >= 0 && x < aCount && y >= 0 && y < bCount, "contingency: label out of range")
            counts[x * bCount + y] += 1
        }
        self.aCount = aCount
        self.bCount = bCount
        self.counts = counts
    }

    /// Relabels arbitrary Int labels to 0..<distinct (in increasing label order) first.
    public init(labels a: [Int], _ b: [Int]) {
        let (ac, na) = Contingency.dense(a)
        let (bc, nb) = Contingency.dense(b)
        self.init(ac, bc, aCount: na, bCount: nb)
    }

    public subscript(a: Int, b: Int) -> Int { counts[a * bCount + b] }

    /// Row sums (per label of the first labeling).
    public var rowSums: [Int] { (0..<aCount).map { a in (0..<bCount).reduce(0) { $0 + counts[a * bCount + $1] } } }
    /// Column sums (per label of the second labeling).
    public var columnSums: [Int] { (0..<bCount).map { b in (0..<aCount).reduce(0) { $0 + counts[$1 * bCount + b] } } }
    public var total: Int { counts.reduce(0, +) }

    /// Maps the distinct values of `labels` to 0..<count in increasing order.
    static func dense(_ labels: [Int]) -> ([Int], Int) {
        let values = Array(Set(labels)).sorted()
        var index: [Int: Int] = [:]
        for (i, v) in values.enumerated() { index[v] = i }
        return (labels.map { index[$0]! }, values.count)
    }
}
