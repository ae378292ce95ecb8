import Experiment
import Foundation
import Pipeline
import Storage

/// Why a stage would run: found by comparing it with the same node of the last run of this
/// experiment (its `run.json`: node, key, version, parameters, and the experiment's values).
///
/// - own parameters differ: the keys that changed (`evaluate.svm.C 1 -> 10`); a derived
///   value (an epoch's learning rate) also names the experiment keys behind it;
/// - same parameters, an input runs again: `input train@4 changed (model.dropout 0 -> 0.1)`,
///   with the first cause up the chain;
/// - a node the last run did not have: `new epoch (training.epochs 8 -> 12)`,
///   `new stage (training.snapshots [1, 4] -> [1, 4, 8])`;
/// - the same key as the last run: `not in the cache (removed by gc, or never finished)`.
public struct StageExplainer {
    /// One node's explanation.
    public struct Reason: Sendable, Equatable {
        /// The full reason of this node.
        public let text: String
        /// The first cause up the chain (the same text for a node that is itself a cause):
        /// nodes of a kind with equal causes are shown as one range (`train@9-12`).
        public let cause: String
    }

    let graph: StageGraph
    let experiment: ResolvedExperiment
    /// The last run of this experiment, if any.
    let previous: RunFolder?

    public init(graph: StageGraph, experiment: ResolvedExperiment, previous: RunFolder?) {
        self.graph = graph
        self.experiment = experiment
        self.previous = previous
    }

    /// The reasons of the nodes that would run (`runs`), in topological order.
    public func reasons(for runs: Set<String>) throws -> [String: Reason] {
        let old = previousStages()
        let oldValues = previous?.record?["params"]?.objectValue ?? [:]
        let changedKeys = experimentChanges(from: oldValues)
        var out: [String: Reason] = [:]
        for node in try graph.topologicalOrder() where runs.contains(node) {
            let stage = graph.nodes[node]!
            let reason: Reason
            if let before = old[node] {
                let diffs = StageExplainer.differences(before.params, stage.params)
                if !diffs.isEmpty {
                    var text = diffs.joined(separator: ", ")
                    // A value derived from the experiment (an epoch's rate): say which keys moved it.
                    let schemaPaths = Set(ExperimentSchema.byPath.keys)
                    let derived = StageExplainer.changedPaths(before.params, stage.params).filter { !schemaPaths.contains($0) && $0 != "epoch" }
                    let causes = changedKeys.filter { c in derived.contains("lr") && c.hasPrefix("training.") }
                    if !derived.isEmpty, !causes.isEmpty { text += " (" + causes.map(changeText).joined(separator: ", ") + ")" }
                    reason = Reason(text: text, cause: text)
                } else if let input = stage.inputs.first(where: { out[$0] != nil }) {
                    let cause = out[input]!.cause
                    reason = Reason(text: "input \(input) changed (\(cause))", cause: cause)
                } else if before.version != stage.version {
                    let text = "new version of the \(stage.kind) stage (\(before.version) -> \(stage.version))"
                    reason = Reason(text: text, cause: text)
                } else {
                    let text = before.key == nil ? "no earlier result" : "not in the cache (removed by gc, or never finished)"
                    reason = Reason(text: text, cause: text)
                }
            } else if previous == nil {
                reason = Reason(text: "first run of this experiment", cause: "first run of this experiment")
            } else {
                let related = changedKeys.filter { relevant($0, to: stage.kind) }
                let what = stage.kind == "train" ? "new epoch" : "new stage"
                let text = what + (related.isEmpty ? " (not in the last run)" : " (" + related.map(changeText).joined(separator: ", ") + ")")
                reason = Reason(text: text, cause: text)
            }
            out[node] = reason
        }
        return out
    }

    /// Which experiment keys explain a new node of `kind`.
    func relevant(_ key: String, to kind: String) -> Bool {
        if kind == "train" { return key == "training.epochs" }
        if key == "training.snapshots" || key == "training.epochs" { return true }
        guard let group = Evaluators.descriptor(kind: kind)?.group else { return false }
        return key == group || key.hasPrefix(group + ".")
    }

    func changeText(_ key: String) -> String {
        let old = previous?.record?["params"]?[key].map(StageExplainer.show) ?? "(unset)"
        let new = experiment.values.all[key].map { StageExplainer.show($0.json) } ?? "(unset)"
        return "\(key) \(old) -> \(new)"
    }

    /// A value as a person reads it: strings without quotes, the rest as JSON.
    static func show(_ v: JSONValue) -> String {
        if case .string(let s) = v { return s }
        return v.canonical
    }

    /// The experiment keys whose values differ from the last run's, sorted.
    func experimentChanges(from old: [String: JSONValue]) -> [String] {
        guard previous != nil else { return [] }
        var now: [String: JSONValue] = [:]
        for key in ExperimentSchema.keys where experiment.values.applies(key) { now[key.path] = experiment.values.value(key.path).json }
        for group in ExperimentSchema.switchableGroups { now[group + ".enabled"] = .bool(experiment.values.enabled(group)) }
        return Set(old.keys).union(now.keys).filter { old[$0] != now[$0] }.sorted()
    }

    /// node -> (key, version, params) of the last run.
    func previousStages() -> [String: (key: String?, version: Int, params: JSONValue)] {
        var out: [String: (String?, Int, JSONValue)] = [:]
        for s in previous?.record?["stages"]?.arrayValue ?? [] {
            guard let node = s["node"]?.stringValue else { continue }
            out[node] = (s["key"]?.stringValue, s["version"]?.intValue ?? 0, s["params"] ?? .null)
        }
        return out
    }

    /// `path old -> new` for every flattened parameter that differs.
    static func differences(_ a: JSONValue, _ b: JSONValue) -> [String] {
        let x = a.flattened(), y = b.flattened()
        return changedPaths(a, b).map { "\($0) \(x[$0].map(show) ?? "(unset)") -> \(y[$0].map(show) ?? "(unset)")" }
    }

    static func changedPaths(_ a: JSONValue, _ b: JSONValue) -> [String] {
        guard a != .null else { return [] }
        let x = a.flattened(), y = b.flattened()
        return Set(x.keys).union(y.keys).filter { x[$0] != y[$0] }.sorted()
    }

    /// Groups consecutive nodes of one kind (`train@9`, `train@10`, ...) with the same state
    /// and cause into one label (`train@9-12`), in order.
    public static func group(_ items: [(node: String, state: String, reason: Reason?)]) -> [(label: String, state: String, reason: Reason?)] {
        var out: [(String, String, Reason?, kind: String, first: Int, last: Int)] = []
        for item in items {
            let parts = item.node.split(separator: "@")
            if parts.count == 2, let n = Int(parts[1]), let prev = out.last, prev.kind == String(parts[0]), prev.last == n - 1,
               prev.1 == item.state, prev.2?.cause == item.reason?.cause, item.reason != nil || item.state == "cached" {
                out[out.count - 1].last = n
                continue
            }
            let n = parts.count == 2 ? Int(parts[1]) ?? -1 : -1
            out.append((item.node, item.state, item.reason, parts.count == 2 ? String(parts[0]) : item.node, n, n))
        }
        return out.map { g in
            guard g.first != g.last, g.first >= 0 else { return (g.0, g.1, g.2) }
            let reason = g.2.map { r in
                Reason(text: r.cause.hasPrefix("new epoch ") ? "new epochs " + r.cause.dropFirst("new epoch ".count) : r.cause, cause: r.cause)
            }
            return ("\(g.kind)@\(g.first)-\(g.last)", g.1, reason)
        }
    }
}
