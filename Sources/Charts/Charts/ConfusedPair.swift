/// Two classes a classifier mixes up most, from a confusion matrix (rows = true,
/// columns = predicted).
public struct ConfusedPair: Equatable, Sendable {
    /// The two classes, `first < second`.
    public let first: Int
    public let second: Int
    /// Images of `first` predicted as `second`.
    public let firstAsSecond: Int
    /// Images of `second` predicted as `first`.
    public let secondAsFirst: Int
    public var total: Int { firstAsSecond + secondAsFirst }

    public init(first: Int, second: Int, firstAsSecond: Int, secondAsFirst: Int) {
        self.first = first
        self.second = second
        self.firstAsSecond = firstAsSecond
        self.secondAsFirst = secondAsFirst
    }

    /// The pair i != j maximising `confusion[i][j] + confusion[j][i]`; ties go to the
    /// smallest (i, j). Nil when the matrix is not square, has fewer than two classes, or
    /// no image is confused at all.
    public static func mostConfused(in confusion: [[Int]]) -> ConfusedPair? {
        let n = confusion.count
        guard n >= 2, confusion.allSatisfy({ $0.count == n }) else { return nil }
        var best: ConfusedPair? = nil
        for i in 0..<n {
            for j in (i + 1)..<n {
                let pair = ConfusedPair(first: i, second: j, firstAsSecond: confusion[i][j], secondAsFirst: confusion[j][i])
                if pair.total > (best?.total ?? 0) { best = pair }
            }
        }
        return best
    }
}
