import Experiment
import Foundation
import Pipeline
import Storage

/// Runs as a table: a column per parameter that differs among them, then the headline
/// metrics of the evaluators (the split named: `svm_accuracy(test)`), in a stable column
/// order. `krill runs`, `krill compare` and the sweep report print it.
public struct RunTable {
    public struct Row {
        public let run: RunFolder
        /// Every parameter of the run (`run.json`'s `params`), shown as a person reads it.
        public let params: [String: String]
        /// Headline metrics by metric name.
        public let metrics: [String: Double]
        /// The run's stages: how many, and how many were computed (not cached).
        public let stages: Int
        public let computed: Int
        /// "partial (until train)" or "" for a whole run.
        public let note: String
    }

    public let rows: [Row]
    /// Parameters whose values differ among the rows, in schema order.
    public let paramColumns: [String]
    /// Headline metrics present in at least one row, in the evaluators' order.
    public let metrics: [MetricDescriptor]

    public init(runs: [RunFolder]) {
        self.init(rows: runs.map(RunTable.row))
    }

    init(rows: [Row]) {
        self.rows = rows
        let order = ExperimentSchema.keys.map(\.path) + ExperimentSchema.switchableGroups.map { $0 + ".enabled" }
        let allKeys = Set(rows.flatMap(\.params.keys))
        paramColumns = (order.filter(allKeys.contains) + allKeys.subtracting(order).sorted()).filter { key in
            Set(rows.map { $0.params[key] ?? "(unset)" }).count > 1
        }
        metrics = Evaluators.metrics.filter { m in m.headline && rows.contains { $0.metrics[m.name] != nil } }
    }

    /// A run folder as a row.
    static func row(_ run: RunFolder) -> Row {
        let record = run.record
        var params: [String: String] = [:]
        for (k, v) in record?["params"]?.objectValue ?? [:] { params[k] = StageExplainer.show(v) }
        var metrics: [String: Double] = [:]
        for (k, v) in run.summary?["headline"]?.objectValue ?? [:] { metrics[k] = v.doubleValue }
        for (k, v) in run.summary?["baseline"]?.objectValue ?? [:] { metrics[k] = v.doubleValue }
        let stages = record?["stages"]?.arrayValue ?? []
        let until = record?["until"]?.stringValue
        return Row(run: run, params: params, metrics: metrics, stages: stages.count,
                   computed: stages.filter { $0["state"]?.stringValue != "cached" }.count,
                   note: until.map { "partial (until \($0))" } ?? (record == nil ? "unfinished" : ""))
    }

    /// The metric columns' names, with the split of the first row that has the metric.
    public var metricColumns: [String] {
        metrics.map { m in
            let row = rows.first { $0.metrics[m.name] != nil }
            return m.column { key in row?.params[key] }
        }
    }

    /// Only the rows whose parameters have these values (`key=value`, as `--set` spells them).
    public func filtered(_ conditions: [(String, String)]) -> RunTable {
        RunTable(rows: rows.filter { row in conditions.allSatisfy { k, v in row.params[k] == v || (row.params[k]).map { Double($0) == Double(v) && Double(v) != nil } == true } })
    }

    /// Rows sorted by a metric (its name or column name), best first.
    public func sorted(by metric: String) throws -> RunTable {
        guard let i = metrics.firstIndex(where: { $0.name == metric }) ?? metricColumns.firstIndex(of: metric) else {
            throw PipelineError.notFound("no metric '\(metric)' in these runs: \(metrics.map(\.name).joined(separator: ", "))")
        }
        let m = metrics[i]
        return RunTable(rows: rows.sorted { a, b in
            let x = a.metrics[m.name] ?? -.infinity * (m.higherIsBetter ? 1 : -1), y = b.metrics[m.name] ?? -.infinity * (m.higherIsBetter ? 1 : -1)
            return m.higherIsBetter ? x > y : x < y
        })
    }

    /// Header and cells as strings (metrics with 4 decimals, `-` when absent).
    public func cells() -> (header: [String], rows: [[String]]) {
        let header = ["run"] + paramColumns + metricColumns + ["stages"]
        let body = rows.map { row in
            [row.run.label] + paramColumns.map { row.params[$0] ?? "(unset)" }
                + metrics.map { m in row.metrics[m.name].map { String(format: "%.4f", $0) } ?? "-" }
                + ["\(row.stages) (\(row.computed) computed)" + (row.note.isEmpty ? "" : ", " + row.note)]
        }
        return (header, body)
    }

    /// Aligned columns for a terminal.
    public var text: String {
        let (header, body) = cells()
        let widths = header.indices.map { i in ([header[i]] + body.map { $0[i] }).map(\.count).max() ?? 0 }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).enumerated().map { i, cw in
                let (cell, w) = cw
                return i == 0 || i > paramColumns.count + metrics.count ? cell.padding(toLength: w, withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: max(0, w - cell.count)) + cell
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        return ([line(header)] + body.map(line)).joined(separator: "\n") + "\n"
    }

    /// CSV with full-precision metrics.
    public var csv: String {
        let header = ["run"] + paramColumns + metricColumns + ["stages", "computed", "note"]
        return CSV.render(header: header, rows: rows.map { row in
            [row.run.label] + paramColumns.map { row.params[$0] ?? "" } + metrics.map { m in row.metrics[m.name].map { "\($0)" } ?? "" }
                + [String(row.stages), String(row.computed), row.note]
        })
    }

    /// A Markdown table.
    public var markdown: String {
        let (header, body) = cells()
        func line(_ c: [String]) -> String { "| " + c.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |" }
        return ([line(header), line(header.map { _ in "---" })] + body.map(line)).joined(separator: "\n") + "\n"
    }

    /// JSON: per run its label, folder, the differing parameters, every headline metric.
    public var json: JSONValue {
        .array(rows.map { row in
            .object([
                "run": .string(row.run.label), "folder": .string(row.run.url.path),
                "params": .object(Dictionary(uniqueKeysWithValues: paramColumns.map { ($0, JSONValue.string(row.params[$0] ?? "(unset)")) })),
                "metrics": .object(Dictionary(uniqueKeysWithValues: zip(metrics, metricColumns).compactMap { m, column in
                    row.metrics[m.name].map { (column, JSONValue.double($0)) }
                })),
                "stages": .int(row.stages), "computed": .int(row.computed), "note": .string(row.note),
            ])
        })
    }
}
