import Experiment
import Storage

extension ConfigValue {
    /// The value as JSON for stage parameters.
    var json: JSONValue {
        switch self {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .float(let d): return .double(d)
        case .string(let s): return .string(s)
        case .list(let items): return .array(items.map(\.json))
        }
    }
}

extension ResolvedValues {
    /// The parameters of a stage: exactly the given config paths (those that apply), as a
    /// JSON object keyed by path. What a stage does not read cannot change its key.
    func params(_ paths: [String], extra: [String: JSONValue] = [:]) -> JSONValue {
        var out = extra
        for path in paths {
            if let key = ExperimentSchema.byPath[path], !applies(key) { continue }
            out[path] = value(path).json
        }
        return .object(out)
    }

    /// Every path under a group prefix (`training.`), in schema order.
    static func paths(under prefix: String) -> [String] {
        ExperimentSchema.keys.map(\.path).filter { $0.hasPrefix(prefix) }
    }

    /// The experiment seed as the generators' key.
    var seed: UInt64 { UInt64(int("seed")) }
}
