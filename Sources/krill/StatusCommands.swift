import ArgumentParser
import Experiment
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
    @OptionGroup var sweep: SweepOptions
    @Option(help: "The run name whose last run to compare with (default: the experiment file's stem).")
    var name: String?
    @Option(help: "text, json (one object per stage: node, kind, state, key, reason, detail), csv or md.")
    var format: OutputFormat = .text
    @Flag(help: "The same as --format json.")
    var json = false
    @OptionGroup var artifactOptions: ArtifactOptions

    func run() throws {
        let runner = ExperimentRunner(store: artifactOptions.store, progress: StderrProgress(), krillVersion: Krill.version)
        let format = json ? .json : self.format
        let baseName = name ?? ExperimentRunner.defaultName(for: experiment.experiment)
        if let plan = try experiment.loadSweep(sweep.sweeps) {
            return try sweepStatus(plan, runner: runner, name: baseName, format: format)
        }
        let resolved = try experiment.load()
        do {
            let lines = try runner.status(resolved, name: baseName)
            if format != .text {
                print(StatusCommand.render(lines, format: format), terminator: "")
                return
            }
            let grouped = StageExplainer.group(lines.map { ($0.node, $0.state.word, $0.reason) })
            let keys = Dictionary(uniqueKeysWithValues: lines.map { ($0.node, $0.state) })
            let estimates = Dictionary(uniqueKeysWithValues: lines.map { ($0.node, $0.estimatedBytes) })
            let width = max(5, grouped.map(\.label.count).max() ?? 0)
            for g in grouped {
                let state = keys[g.label] ?? lines.first { g.label.hasPrefix($0.kind + "@") && $0.state.word == g.state }?.state
                var text = g.state.padding(toLength: 8, withPad: " ", startingAt: 0) + "  "
                text += (keys[g.label]?.key).map { String($0.prefix(12)) } ?? (keys[g.label] == nil ? "            " : "(key known once inputs are computed)")
                if let detail = state?.detail, keys[g.label] != nil { text += "  (\(detail))" }
                let bytes = StatusCommand.nodes(of: g.label).compactMap { estimates[$0] ?? nil }.reduce(0, +)
                if bytes > 0 { text += "  ~" + DiskEstimate.text(bytes) }
                if let reason = g.reason { text += "  " + reason.text }
                print(g.label.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + text)
            }
            let need = lines.compactMap(\.estimatedBytes).reduce(0, +)
            if need > 0 {
                let store = artifactOptions.store
                let free = DiskEstimate.freeBytes(at: store.root).map { "; \(DiskEstimate.text($0)) free in \(store.root.path)" } ?? ""
                print("to compute: ~\(DiskEstimate.text(need)) on disk (estimated)\(free)")
            }
        } catch {
            throw reportFailure(error)
        }
    }
}

extension StatusCommand {
    /// The nodes of a status label: `report`, or `train@9-12` -> train@9 ... train@12.
    static func nodes(of label: String) -> [String] {
        let parts = label.split(separator: "@")
        guard parts.count == 2 else { return [label] }
        let range = parts[1].split(separator: "-").compactMap { Int($0) }
        guard range.count == 2, range[0] <= range[1] else { return [label] }
        return (range[0]...range[1]).map { "\(parts[0])@\($0)" }
    }

    /// The plan as data: one row per stage.
    static func render(_ lines: [ExperimentRunner.StatusLine], format: OutputFormat, member: String? = nil) -> String {
        let header = (member == nil ? [] : ["member"]) + ["node", "kind", "state", "key", "reason", "detail", "estimated_bytes"]
        let rows = lines.map { l in
            (member.map { [$0] } ?? []) + [l.node, l.kind, l.state.word, l.state.key ?? "", l.reason?.text ?? "", l.state.detail ?? "",
                                           l.estimatedBytes.map(String.init) ?? ""]
        }
        switch format {
        case .json:
            return JSONValue.array(rows.map { r in
                .object(Dictionary(uniqueKeysWithValues: zip(header, r).map { k, v in
                    (k, v.isEmpty && k != "node" ? JSONValue.null : k == "estimated_bytes" ? .int(Int(v)!) : .string(v))
                }))
            }).pretty + "\n"
        case .csv: return CSV.render(header: header, rows: rows)
        case .md: return (["| " + header.joined(separator: " | ") + " |", "|" + header.map { _ in " --- |" }.joined()]
                          + rows.map { "| " + $0.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |" })
                          .joined(separator: "\n") + "\n"
        case .text: return ""
        }
    }

    /// A sweep's plan: per member, how many stages are cached and how many would run.
    func sweepStatus(_ plan: SweepPlan, runner: ExperimentRunner, name: String, format: OutputFormat) throws {
        do {
            var all = ""
            var summary: [(String, Int, Int, Int)] = []
            for member in plan.members {
                let lines = try runner.status(member.experiment, name: name + "/" + member.name)
                if format != .text { all += StatusCommand.render(lines, format: format == .json ? .csv : format, member: member.name) }
                let cached = lines.filter { $0.state.word == "cached" }.count
                let partial = lines.filter { $0.state.word == "partial" }.count
                summary.append((member.name, lines.count, cached, partial))
            }
            switch format {
            case .text:
                let width = max(6, summary.map(\.0.count).max() ?? 0)
                print("sweep \(name): \(plan.members.count) members (" + plan.axes.map { "\($0.path) in [\($0.values.joined(separator: ", "))]" }
                    .joined(separator: " x ") + ")")
                for (m, n, cached, partial) in summary {
                    print(m.padding(toLength: width, withPad: " ", startingAt: 0) + "  \(n) stages: \(cached) cached, "
                          + (partial > 0 ? "\(partial) partial, " : "") + "\(n - cached - partial) to run")
                }
                print("(shared stages are computed once: `krill status FILE --set key=value` shows one member in full)")
            case .json:
                var items: [JSONValue] = []
                for (m, n, cached, partial) in summary {
                    let o: [String: JSONValue] = ["member": .string(m), "stages": .int(n), "cached": .int(cached),
                                                  "partial": .int(partial), "to_run": .int(n - cached - partial)]
                    items.append(.object(o))
                }
                print(JSONValue.array(items).pretty)
            case .csv, .md:
                print(all, terminator: "")
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
