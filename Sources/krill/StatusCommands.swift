import ArgumentParser
import Foundation
import Pipeline
import Stages
import Storage

/// `krill status`: what a run would do, and why, without running anything.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show each stage: cached, partial (resumable) or to run, and why it would run.",
        discussion: """
        A stage that would run is compared with the same stage of the last run of this \
        experiment (runs/<name>/latest): the keys that changed (evaluate.svm.C 1 -> 10), the \
        input that changed and why (input train@4 changed (model.dropout 0 -> 0.1)), or new \
        epochs and snapshots. Consecutive epochs with one reason are shown as one line \
        (train@9-12).
        """)

    @OptionGroup var experiment: ExperimentOptions
    @Option(help: "The run name whose last run to compare with (default: the experiment file's stem).")
    var name: String?
    @Flag(help: "Print the plan as JSON: one object per stage (node, kind, state, key, reason, detail).")
    var json = false
    @OptionGroup var artifactOptions: ArtifactOptions

    func run() throws {
        let resolved = try experiment.load()
        let runner = ExperimentRunner(store: artifactOptions.store, progress: StderrProgress(), krillVersion: Krill.version)
        do {
            let lines = try runner.status(resolved, name: name ?? ExperimentRunner.defaultName(for: experiment.experiment))
            if json {
                let items: [JSONValue] = lines.map { l in
                    var o: [String: JSONValue] = ["node": .string(l.node), "kind": .string(l.kind), "state": .string(l.state.word)]
                    o["key"] = l.state.key.map { .string($0) } ?? .null
                    o["reason"] = l.reason.map { .string($0.text) } ?? .null
                    o["detail"] = l.state.detail.map { .string($0) } ?? .null
                    return .object(o)
                }
                print(JSONValue.array(items).pretty)
                return
            }
            let grouped = StageExplainer.group(lines.map { ($0.node, $0.state.word, $0.reason) })
            let keys = Dictionary(uniqueKeysWithValues: lines.map { ($0.node, $0.state) })
            let width = max(5, grouped.map(\.label.count).max() ?? 0)
            for g in grouped {
                let state = keys[g.label] ?? lines.first { g.label.hasPrefix($0.kind + "@") && $0.state.word == g.state }?.state
                var text = g.state.padding(toLength: 8, withPad: " ", startingAt: 0) + "  "
                text += (keys[g.label]?.key).map { String($0.prefix(12)) } ?? (keys[g.label] == nil ? "            " : "(key known once inputs are computed)")
                if let detail = state?.detail, keys[g.label] != nil { text += "  (\(detail))" }
                if let reason = g.reason { text += "  " + reason.text }
                print(g.label.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + text)
            }
        } catch {
            throw reportFailure(error)
        }
    }
}

extension PlannedState {
    /// cached | partial | to run.
    var word: String {
        switch self {
        case .cached: return "cached"
        case .partial: return "partial"
        case .toRun: return "to run"
        }
    }

    var key: String? {
        switch self {
        case .cached(let k), .partial(let k, _): return k
        case .toRun(let k): return k
        }
    }

    var detail: String? {
        if case .partial(_, let d) = self { return d }
        return nil
    }
}

/// `krill dag`: the stage graph as text or Graphviz.
struct DagCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "dag", abstract: "Print the stage graph (text, or Graphviz with --dot).")

    @OptionGroup var experiment: ExperimentOptions
    @Flag(help: "Graphviz dot output.")
    var dot = false
    @OptionGroup var artifactOptions: ArtifactOptions

    func run() throws {
        let resolved = try experiment.load()
        let runner = ExperimentRunner(store: artifactOptions.store, progress: StderrProgress(), krillVersion: Krill.version)
        do {
            let graph = try runner.plan(resolved).graph
            let order = try graph.topologicalOrder()
            if dot {
                print("digraph krill {\n  rankdir=LR;\n  node [shape=box, fontname=\"DejaVu Sans\"];")
                for node in order {
                    print("  \"\(node)\" [label=\"\(node)\\n\(graph.nodes[node]!.kind)\"];")
                    for input in graph.nodes[node]!.inputs { print("  \"\(input)\" -> \"\(node)\";") }
                }
                print("}")
            } else {
                for node in order {
                    let inputs = graph.nodes[node]!.inputs
                    print(node + (inputs.isEmpty ? "" : " <- " + inputs.joined(separator: ", ")))
                }
            }
        } catch {
            throw reportFailure(error)
        }
    }
}
