/// One key of the experiment schema, declared as data: validation, defaults, `--set`
/// typing and experiments/README.md all come from these declarations.
public struct SchemaKey: Sendable {
    /// Dotted path, e.g. `training.optimizer.lr`.
    public let path: String
    public let type: ValueType
    public let defaultValue: ConfigValue
    /// One line for the docs.
    public let doc: String
    /// Allowed numeric range (numbers, and each element of a number list).
    public let range: NumericRange?
    /// The key only applies when another key has one of these values
    /// (e.g. `momentum` only when `training.optimizer.name` is `sgd`).
    public let appliesWhen: (path: String, values: [String])?

    public init(_ path: String, _ type: ValueType, _ defaultValue: ConfigValue, _ doc: String,
                range: NumericRange? = nil, when: (String, [String])? = nil) {
        self.path = path
        self.type = type
        self.defaultValue = defaultValue
        self.doc = doc
        self.range = range
        self.appliesWhen = when.map { (path: $0.0, values: $0.1) }
    }

    /// The group (`training.optimizer`) and the last component (`lr`).
    public var parent: String { path.split(separator: ".").dropLast().joined(separator: ".") }
    public var name: String { String(path.split(separator: ".").last ?? "") }
}

/// A numeric interval with open or closed ends.
public struct NumericRange: Sendable, Equatable {
    public let lower: Double?
    public let upper: Double?
    public let lowerOpen: Bool
    public let upperOpen: Bool

    /// `>= lower`, optionally `<= upper`.
    public static func atLeast(_ lower: Double, atMost upper: Double? = nil) -> NumericRange {
        NumericRange(lower: lower, upper: upper, lowerOpen: false, upperOpen: false)
    }

    /// `> lower`, optionally `<= upper`.
    public static func above(_ lower: Double, atMost upper: Double? = nil) -> NumericRange {
        NumericRange(lower: lower, upper: upper, lowerOpen: true, upperOpen: false)
    }

    /// `[lower, upper)`.
    public static func halfOpen(_ lower: Double, _ upper: Double) -> NumericRange {
        NumericRange(lower: lower, upper: upper, lowerOpen: false, upperOpen: true)
    }

    public func contains(_ x: Double) -> Bool {
        if let lower, lowerOpen ? !(x > lower) : !(x >= lower) { return false }
        if let upper, upperOpen ? !(x < upper) : !(x <= upper) { return false }
        return true
    }

    public var text: String {
        func f(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)" }
        switch (lower, upper) {
        case let (l?, u?): return "\(lowerOpen ? "(" : "[")\(f(l)), \(f(u))\(upperOpen ? ")" : "]")"
        case let (l?, nil): return lowerOpen ? "> \(f(l))" : ">= \(f(l))"
        case let (nil, u?): return upperOpen ? "< \(f(u))" : "<= \(f(u))"
        default: return "any"
        }
    }
}
