import ArgumentParser
import Foundation
import Pipeline
import Stages

/// `krill status`: what a run would do, without running anything.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show each stage: cached, partial (resumable) or to run.")

    @OptionGroup var experiment: ExperimentOptions
    @OptionGroup var artifactOptions: ArtifactOptions

    func run() throws {
        let resolved = try experiment.load()
        let runner = ExperimentRunner(store: artifactOptions.store, progress: StderrProgress(), krillVersion: Krill.version)
        do {
            let plan = try runner.executor(for: try runner.plan(resolved)).plan()
            let width = max(5, plan.map(\.node.count).max() ?? 0)
            for (node, state) in plan {
                let text: String
                switch state {
                case .cached(let key): text = "cached    \(key.prefix(12))"
                case let .partial(key, detail): text = "partial   \(key.prefix(12))" + (detail.map { "  (\($0))" } ?? "")
                case .toRun(let key): text = "to run    " + (key.map { String($0.prefix(12)) } ?? "(key known once inputs are computed)")
                }
                print(node.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + text)
            }
        } catch {
            throw reportFailure(error)
        }
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
