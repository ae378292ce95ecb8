/// Every configuration value of an experiment by dotted path, defaults filled in, already
/// checked against the schema. The accessors trap on a path the schema does not declare
/// (a programming error, not a user error).
public struct ResolvedValues: Equatable, Sendable {
    public let all: [String: ConfigValue]

    public init(_ all: [String: ConfigValue]) { self.all = all }

    public func value(_ path: String) -> ConfigValue {
        guard let v = all[path] else { preconditionFailure("no configuration key '\(path)'") }
        return v
    }

    public func int(_ path: String) -> Int {
        guard let i = value(path).intValue else { preconditionFailure("\(path) is not an integer: \(value(path))") }
        return i
    }

    public func optionalInt(_ path: String) -> Int? { value(path).intValue }

    public func double(_ path: String) -> Double {
        guard let d = value(path).doubleValue else { preconditionFailure("\(path) is not a number: \(value(path))") }
        return d
    }

    public func bool(_ path: String) -> Bool {
        guard let b = value(path).boolValue else { preconditionFailure("\(path) is not a boolean: \(value(path))") }
        return b
    }

    /// A string, or the text of any scalar value.
    public func string(_ path: String) -> String {
        let v = value(path)
        return v.stringValue ?? v.yamlText
    }

    public func ints(_ path: String) -> [Int] { (value(path).listValue ?? []).compactMap(\.intValue) }

    public func strings(_ path: String) -> [String] { (value(path).listValue ?? []).compactMap(\.stringValue) }

    /// A `countOrFraction` value applied to a class of `classSize` images
    /// (fractions round half away from zero).
    public func splitCount(_ path: String, classSize: Int) -> Int {
        switch value(path) {
        case .int(let n): return n
        case .float(let f): return Int((f * Double(classSize)).rounded(.toNearestOrAwayFromZero))
        default: preconditionFailure("\(path) is not a count or fraction")
        }
    }

    /// Whether a key applies given the values of the keys it depends on.
    public func applies(_ key: SchemaKey) -> Bool {
        guard let condition = key.appliesWhen else { return true }
        return condition.values.contains(string(condition.path))
    }

    /// Whether an evaluator group (`evaluate.tsne`) is switched on.
    public func enabled(_ group: String) -> Bool { bool(group + ".enabled") }

    /// The values of the given paths as a JSON-ready dictionary (for stage parameters).
    public func subset(_ paths: [String]) -> [String: ConfigValue] {
        Dictionary(uniqueKeysWithValues: paths.map { ($0, value($0)) })
    }
}
