/// The DAG of an experiment: named nodes, each a stage reading the outputs of others.
public struct StageGraph: Sendable {
    public private(set) var nodes: [String: any Stage] = [:]
    /// Insertion order, for stable listings.
    public private(set) var names: [String] = []

    public init() {}

    /// Adds a node. Names must be unique.
    public mutating func add(_ name: String, _ stage: any Stage) {
        precondition(nodes[name] == nil, "duplicate stage node \(name)")
        nodes[name] = stage
        names.append(name)
    }

    /// Nodes in an order where every node follows its inputs (Kahn's algorithm, ties broken
    /// by insertion order so the order is stable).
    /// - Throws: `PipelineError.graph` naming a missing input or the nodes of a cycle.
    public func topologicalOrder() throws -> [String] {
        var indegree: [String: Int] = [:]
        var dependents: [String: [String]] = [:]
        for name in names {
            let stage = nodes[name]!
            indegree[name] = stage.inputs.count
            for input in stage.inputs {
                guard nodes[input] != nil else { throw PipelineError.graph("stage \(name) reads \(input), which is not in the graph") }
                dependents[input, default: []].append(name)
            }
        }
        let position = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        var ready = names.filter { indegree[$0] == 0 }
        var order: [String] = []
        while !ready.isEmpty {
            ready.sort { position[$0]! < position[$1]! }
            let next = ready.removeFirst()
            order.append(next)
            for d in dependents[next] ?? [] {
                indegree[d]! -= 1
                if indegree[d] == 0 { ready.append(d) }
            }
        }
        if order.count < names.count {
            let stuck = names.filter { !order.contains($0) }
            throw PipelineError.graph("the stage graph has a cycle through \(stuck.joined(separator: ", "))")
        }
        return order
    }

    /// The nodes needed for `targets`: the targets and every node they depend on; all
    /// nodes when `targets` is nil.
    public func needed(for targets: Set<String>?) -> Set<String> {
        guard let targets else { return Set(names) }
        return targets.reduce(into: targets) { $0.formUnion(ancestors(of: $1)) }
    }

    /// Every node `name` depends on, transitively.
    public func ancestors(of name: String) -> Set<String> {
        var seen = Set<String>()
        var stack = nodes[name]?.inputs ?? []
        while let n = stack.popLast() {
            if seen.insert(n).inserted { stack += nodes[n]?.inputs ?? [] }
        }
        return seen
    }
}

/// The key of a stage: SHA-256 of the canonical JSON of its kind, version, parameters and
/// the output digests of its inputs (docs/design.md, "Keys").
public func stageKey(kind: String, version: Int, params: JSONValue, inputDigests: [String: String]) -> String {
    JSONValue.object([
        "kind": .string(kind), "version": .int(version), "params": params,
        "inputs": .object(inputDigests.mapValues { .string($0) }),
    ]).digest
}

import Storage
