/// The rows of one split grouped by class, the shared input of the samplers.
public struct ClassIndex: Sendable {
    /// Class labels present, ascending.
    public let classes: [Int]
    /// `members[i]`: the rows of class `classes[i]`, ascending.
    public let members: [[Int]]

    /// Groups `rows` by `labels[row]`.
    /// - Parameters:
    ///   - rows: the rows of a split (indices into `labels`).
    ///   - labels: class label of every store row.
    public init(rows: [Int], labels: [Int]) {
        var groups: [Int: [Int]] = [:]
        for r in rows { groups[labels[r], default: []].append(r) }
        classes = groups.keys.sorted()
        members = classes.map { groups[$0]!.sorted() }
    }
}
