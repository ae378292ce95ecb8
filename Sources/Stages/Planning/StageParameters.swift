import Experiment
import Foundation
import Pipeline
import Storage

/// The parameters of one stage kind: one `Codable, Hashable` struct, decoded from the
/// experiment once, when the DAG is planned. The stage key hashes its canonical JSON, and
/// the stage body receives only this struct, so a body cannot read a value that is not in
/// its key.
///
/// The struct's coding keys are schema paths (`seed`, `evaluate.svm.C`) or group paths
/// whose value is a nested struct keyed by the group's own names (`evaluate.svm` ->
/// `SVMSettings` with `C`, `kernel`, ...), plus a few facts of the plan that are not in the
/// schema (`epoch`). Flattening the JSON therefore gives schema paths again, which is how
/// `krill status` names what changed. Optional fields hold keys that apply only under
/// another value (`momentum` only with SGD): absent from the JSON when they do not apply.
public protocol StageParameters: Codable, Hashable, Sendable {}

extension StageParameters {
    /// The canonical JSON the stage key hashes.
    public var json: JSONValue {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(self), let value = try? JSONValue.parse(data) else {
            fatalError("stage parameters \(Self.self) do not encode to JSON")
        }
        return value
    }

    /// Decodes the parameters from an experiment (see `PlanInput`), with `facts` (plan
    /// facts such as `epoch`) beside the schema values.
    /// - Throws: `ConfigErrors` naming `FILE:LINE:COLUMN` of a value the stage does not know.
    public static func decode(_ experiment: ResolvedExperiment, facts: [String: JSONValue] = [:]) throws -> Self {
        try decode(PlanInput(experiment), facts: facts)
    }

    static func decode(_ input: PlanInput, facts: [String: JSONValue]) throws -> Self {
        var object = input.tree
        for (k, v) in facts { object[k] = v }
        do {
            return try JSONDecoder().decode(Self.self, from: Data(JSONValue.object(object).canonical.utf8))
        } catch let error as DecodingError {
            throw input.planError(error, for: Self.self)
        }
    }

    /// The schema paths (and fact names) of this value, flattened: `evaluate.svm.C`, `epoch`.
    public var flatPaths: [String: JSONValue] { json.flattened() }
}

/// A stage whose parameters are typed (`StageParameters`); its `params` are their JSON.
public protocol ParameterizedStage: Stage {
    associatedtype Parameters: StageParameters
    var parameters: Parameters { get }
}

extension ParameterizedStage {
    public var params: JSONValue { parameters.json }
}

/// The experiment's values as one JSON object for decoding stage parameters: every
/// applicable schema key by its full path, and every group by its full path as an object of
/// its own keys and subgroups (so `evaluate.svm` decodes into a nested struct).
struct PlanInput {
    let experiment: ResolvedExperiment
    let tree: [String: JSONValue]

    init(_ experiment: ResolvedExperiment) {
        self.experiment = experiment
        let values = experiment.values
        var flat: [String: JSONValue] = [:]
        for key in ExperimentSchema.keys where values.applies(key) { flat[key.path] = values.value(key.path).json }
        var groups: [String: [String: JSONValue]] = [:]
        // Deepest groups first, so each subgroup is complete before its parent takes it.
        for group in ExperimentSchema.groups.sorted(by: { $0.split(separator: ".").count > $1.split(separator: ".").count }) {
            var members: [String: JSONValue] = [:]
            for (path, value) in flat where path.hasPrefix(group + ".") && !path.dropFirst(group.count + 1).contains(".") {
                members[String(path.dropFirst(group.count + 1))] = value
            }
            for (sub, object) in groups where sub.hasPrefix(group + ".") && !sub.dropFirst(group.count + 1).contains(".") {
                members[String(sub.dropFirst(group.count + 1))] = .object(object)
            }
            // A group none of whose keys applies (`data.ecotaxa` for another source) is
            // absent, so an optional struct for it decodes as nil.
            if !members.isEmpty { groups[group] = members }
        }
        var tree = flat
        for (group, members) in groups { tree[group] = .object(members) }
        self.tree = tree
    }

    /// A decoding failure as a positioned config error: the path is the coding path.
    func planError<T>(_ error: DecodingError, for type: T.Type) -> ConfigErrors {
        let (context, what): (DecodingError.Context, String)
        switch error {
        case .dataCorrupted(let c): (context, what) = (c, "a value krill cannot use here")
        case .typeMismatch(_, let c): (context, what) = (c, "a value of another type")
        case .valueNotFound(_, let c): (context, what) = (c, "no value")
        case .keyNotFound(let key, let c): (context, what) = (c, "no value for '\(key.stringValue)'")
        @unknown default: return ConfigErrors([Diagnostic(nil, "cannot plan \(T.self): \(error)")])
        }
        let path = context.codingPath.map(\.stringValue).joined(separator: ".")
        let shown = experiment.values.all[path].map { " '\($0.yamlText)'" } ?? ""
        let detail = context.debugDescription.isEmpty ? "" : " (\(context.debugDescription))"
        return ConfigErrors([Diagnostic(experiment.mark(of: path), "\(path):\(shown) is \(what)\(detail)")])
    }
}

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

extension JSONValue {
    /// Leaves by dotted path (`{"evaluate.svm": {"C": 1}}` -> `evaluate.svm.C: 1`); arrays
    /// are leaves.
    func flattened(prefix: String = "") -> [String: JSONValue] {
        guard case .object(let members) = self else { return [prefix: self] }
        var out: [String: JSONValue] = [:]
        for (k, v) in members { out.merge(v.flattened(prefix: prefix.isEmpty ? k : prefix + "." + k)) { a, _ in a } }
        return out
    }
}
