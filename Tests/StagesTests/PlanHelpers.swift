import Experiment
import Foundation
import Pipeline
@testable import Stages
import Storage
import TestSupport
import XCTest

/// The repository's experiments/ folder.
let experimentsFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("experiments")

/// A planned DAG as plain values: node -> (kind, version, params, inputs).
struct PlannedNode: Equatable {
    let kind: String
    let version: Int
    let params: JSONValue
    let inputs: [String]
}

/// Loads an experiment file with overrides (as `krill run` does, rules included) and plans it.
func plan(_ file: String, _ overrides: [String] = [], memo folder: URL? = nil) throws -> (nodes: [String: PlannedNode], order: [String]) {
    let experiment = try ExperimentRunner.load(file, overrides: overrides)
    let memoFile = (folder ?? FileManager.default.temporaryDirectory).appendingPathComponent("memo-\(UUID().uuidString).bin")
    defer { try? FileManager.default.removeItem(at: memoFile) }
    let p = try Planner.plan(experiment, memo: FingerprintMemo(file: memoFile))
    var nodes: [String: PlannedNode] = [:]
    for name in p.graph.names {
        let s = p.graph.nodes[name]!
        nodes[name] = PlannedNode(kind: s.kind, version: s.version, params: s.params, inputs: s.inputs)
    }
    return (nodes, try p.graph.topologicalOrder())
}

var smoke: String { experimentsFolder.appendingPathComponent("smoke.yaml").path }
