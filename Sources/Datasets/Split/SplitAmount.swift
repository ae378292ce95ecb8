/// How many images of a class go to a split: an absolute count, or a fraction of the class.
public enum SplitAmount: Equatable, Codable, Sendable, CustomStringConvertible {
    case count(Int)
    case fraction(Double)

    /// Images of a class of `classSize` taken by this amount. A fraction is rounded to the
    /// nearest integer, halves away from zero (0.15 of 90 = 13.5 -> 14).
    public func resolve(classSize: Int) -> Int {
        switch self {
        case .count(let n): return n
        case .fraction(let f): return Int((f * Double(classSize)).rounded(.toNearestOrAwayFromZero))
        }
    }

    /// Checks the amount itself: a count >= 0, a fraction in [0, 1).
    public func validate(_ name: String) throws {
        switch self {
        case .count(let n) where n < 0:
            throw DatasetError.invalidSplit("\(name) count must be >= 0, got \(n)")
        case .fraction(let f) where !(f >= 0 && f < 1):
            throw DatasetError.invalidSplit("\(name) fraction must be in [0, 1), got \(f)")
        default: return
        }
    }

    public var description: String {
        switch self {
        case .count(let n): return "\(n)"
        case .fraction(let f): return "\(f)"
        }
    }
}
