import Foundation
import Storage

/// One node of a planned DAG written where another process (a Slurm job on a compute
/// node) can read it and run that node alone: `krill stage PLANKEY`.
///
/// A stage's key hashes its inputs' *output digests*, which exist only once the inputs
/// are computed; a job must be named before that. The *plan key* names a node by
/// structure instead: the SHA-256 of its kind, version and parameters and of its inputs'
/// plan keys. Two plans that would compute the same thing (two sweep members sharing a
/// `split`) get the same plan key, and therefore one job.
///
/// `recipe` is what the layer above needs to rebuild the stage object (krill stores the
/// resolved experiment and the folder relative paths are taken from); the engine only
/// checks that the rebuilt node has the plan key it was asked for.
public struct StoredPlan: Sendable, Equatable {
    public let planKey: String
    public let node: String
    public let kind: String
    public let version: Int
    public let params: JSONValue
    /// Input node name -> its plan key.
    public let inputs: [String: String]
    public let recipe: JSONValue

    public init(planKey: String, node: String, kind: String, version: Int, params: JSONValue, inputs: [String: String], recipe: JSONValue) {
        self.planKey = planKey
        self.node = node
        self.kind = kind
        self.version = version
        self.params = params
        self.inputs = inputs
        self.recipe = recipe
    }

    /// The plan key of every node of `graph` (inputs first).
    public static func planKeys(of graph: StageGraph) throws -> [String: String] {
        var keys: [String: String] = [:]
        for node in try graph.topologicalOrder() {
            let stage = graph.nodes[node]!
            keys[node] = JSONValue.object([
                "plan": .int(1), "kind": .string(stage.kind), "version": .int(stage.version), "params": stage.params,
                "inputs": .object(Dictionary(uniqueKeysWithValues: stage.inputs.map { ($0, JSONValue.string(keys[$0]!)) })),
            ]).digest
        }
        return keys
    }

    /// The stored plans of every node of `graph`, with one recipe for all.
    public static func plans(of graph: StageGraph, recipe: JSONValue) throws -> [String: StoredPlan] {
        let keys = try planKeys(of: graph)
        var out: [String: StoredPlan] = [:]
        for (node, key) in keys {
            let stage = graph.nodes[node]!
            out[node] = StoredPlan(planKey: key, node: node, kind: stage.kind, version: stage.version, params: stage.params,
                                   inputs: Dictionary(uniqueKeysWithValues: stage.inputs.map { ($0, keys[$0]!) }), recipe: recipe)
        }
        return out
    }

    public var json: JSONValue {
        .object(["plan_key": .string(planKey), "node": .string(node), "kind": .string(kind), "version": .int(version),
                 "params": params, "inputs": .object(inputs.mapValues { .string($0) }), "recipe": recipe])
    }

    /// Writes `cache/plans/<plan key>.json` (atomically; an existing file is left alone:
    /// the same plan key is the same plan).
    public func write(to store: ArtifactStore) throws {
        let url = store.planURL(planKey)
        if FileManager.default.fileExists(atPath: url.path) { return }
        try AtomicFile.write(json.pretty, to: url)
    }

    /// Reads a stored plan.
    /// - Throws: `PipelineError.notFound` when there is none, `.io` when it is unreadable.
    public static func read(_ planKey: String, from store: ArtifactStore) throws -> StoredPlan {
        let url = store.planURL(planKey)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw PipelineError.notFound("no stored plan \(planKey) in \(store.root.path) (expected \(url.path)): "
                                         + "plans are written by `krill run --executor slurm`; is --artifacts the same folder?")
        }
        guard let v = try? JSONValue.parse(data), let key = v["plan_key"]?.stringValue, key == planKey,
              let node = v["node"]?.stringValue, let kind = v["kind"]?.stringValue, case .int(let version)? = v["version"],
              let params = v["params"], case .object(let inputs)? = v["inputs"], let recipe = v["recipe"] else {
            throw PipelineError.io("\(url.path): not a stored plan")
        }
        return StoredPlan(planKey: key, node: node, kind: kind, version: version, params: params,
                          inputs: inputs.compactMapValues(\.stringValue), recipe: recipe)
    }
}

extension ArtifactStore {
    /// `cache/plans/`: stored plans of nodes run as jobs (`StoredPlan`).
    public var plansFolder: URL { root.appendingPathComponent("cache/plans") }
    /// `cache/jobs/`: one folder per job-run node: its job script, log and job id.
    public var jobsFolder: URL { root.appendingPathComponent("cache/jobs") }

    public func planURL(_ planKey: String) -> URL { plansFolder.appendingPathComponent(planKey + ".json") }

    /// The job folder of a node: `cache/jobs/<kind>-<plan key>/`.
    public func jobFolder(kind: String, planKey: String) -> URL { jobsFolder.appendingPathComponent("\(kind)-\(planKey)") }
}
