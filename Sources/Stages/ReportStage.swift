import Foundation
import Pipeline
import Storage

/// `report`: gathers every snapshot's `metrics.json` into `summary.json`
/// (`{"epochs": {"<e>": {metric: value}}, "headline": {...last snapshot...}, "final_epoch": E}`).
struct ReportStage: Stage {
    let kind = "report"
    let version = 1
    let snapshots: [Int]
    /// Evaluator nodes per snapshot epoch.
    let evaluators: [Int: [String]]
    /// Nodes evaluated once per run (the raw-pixel baseline), whose metrics go to `baseline`.
    let runWide: [String]
    var inputs: [String] { ["train"] + snapshots.flatMap { evaluators[$0] ?? [] } + runWide }
    var params: JSONValue { .object(["snapshots": .array(snapshots.map { .int($0) })]) }
    func publishedPath(of file: String) -> String? { file }

    func run(_ context: StageContext) throws {
        var epochs: [String: JSONValue] = [:]
        for e in snapshots {
            var metrics: [String: JSONValue] = [:]
            for node in evaluators[e] ?? [] {
                let url = context.input(node).file("metrics.json")
                guard let data = FileManager.default.contents(atPath: url.path) else { continue }
                for (k, v) in try JSONValue.parse(data, source: url.path).objectValue ?? [:] { metrics[k] = v }
            }
            epochs[String(e)] = .object(metrics)
        }
        var baseline: [String: JSONValue] = [:]
        for node in runWide {
            let url = context.input(node).file("metrics.json")
            for (k, v) in try JSONValue.parse(Data(contentsOf: url), source: url.path).objectValue ?? [:] { baseline[k] = v }
        }
        let last = snapshots.last.map(String.init) ?? ""
        let summary = JSONValue.object(["epochs": .object(epochs), "headline": epochs[last] ?? .object([:]),
                                        "baseline": .object(baseline), "final_epoch": .int(snapshots.last ?? 0)])
        try AtomicFile.write(summary.pretty, to: context.work.appendingPathComponent("summary.json"))
    }
}
