import Charts
import ConvNet
import Experiment
import Foundation
import Pipeline
import Storage

/// A sweep's folder: `sweep.csv` (one row per member: each swept key, the member's run,
/// then every headline metric at full precision, equal to the run's `summary.json`),
/// `sweep.json` (the axes and members), `sweep.html` (members x metrics with the best of each
/// column marked; when `seed` is swept, mean ± sample standard deviation over the seeds of
/// each setting), and `plots/`: each headline metric against each swept key (a point per
/// member, coloured by seed, and the mean per value), and the learning curves of every
/// member overlaid (training loss; nearest-centroid accuracy of the per-epoch monitor).
struct SweepReport {
    let plan: SweepPlan
    let name: String
    let results: [SweepRunner.MemberResult]

    /// Headline metrics present in some member, and their column names.
    var metrics: [(MetricDescriptor, String)] {
        let table = RunTable(runs: results.compactMap(\.folder))
        return Array(zip(table.metrics, table.metricColumns))
    }

    func values(_ r: SweepRunner.MemberResult) -> [String: Double] {
        guard let folder = r.folder else { return [:] }
        var out: [String: Double] = [:]
        for (k, v) in folder.summary?["headline"]?.objectValue ?? [:] { out[k] = v.doubleValue }
        for (k, v) in folder.summary?["baseline"]?.objectValue ?? [:] { out[k] = v.doubleValue }
        return out
    }

    func write(into folder: URL) throws {
        let metrics = self.metrics
        let keys = plan.axes.map(\.path)
        // sweep.csv
        let csv = CSV.render(header: ["member"] + keys + ["run"] + metrics.map(\.1), rows: results.map { r in
            let v = values(r)
            return [r.member.name] + r.member.assignments.map(\.value) + [r.folder?.label ?? ""]
                + metrics.map { m, _ in v[m.name].map { "\($0)" } ?? "" }
        })
        try AtomicFile.write(csv, to: folder.appendingPathComponent("sweep.csv"))
        // sweep.json
        let json = JSONValue.object([
            "name": .string(name),
            "axes": .array(plan.axes.map { .object(["key": .string($0.path), "values": .array($0.values.map { .string($0) })]) }),
            "members": .array(results.map { r in
                .object(["member": .string(r.member.name), "run": .string(r.folder?.label ?? ""), "folder": .string(r.folder?.url.path ?? ""),
                         "assignments": .object(Dictionary(r.member.assignments.map { ($0.path, JSONValue.string($0.value)) },
                                                           uniquingKeysWith: { a, _ in a }))])
            }),
        ])
        try AtomicFile.write(json.pretty, to: folder.appendingPathComponent("sweep.json"))
        // Plots.
        var figures: [ReportFigure] = []
        let seedAxis = keys.firstIndex(of: "seed")
        for (a, axis) in plan.axes.enumerated() where a != seedAxis {
            for (m, column) in metrics {
                let path = "plots/\(safe(m.name))-vs-\(safe(axis.path)).png"
                try metricChart(m, column: column, axis: a).write(to: folder.appendingPathComponent(path))
                figures.append(ReportFigure(caption: "\(m.label) against \(axis.path)", path: path))
            }
        }
        var curves: [ReportFigure] = []
        for (column, label, file) in [("train_loss", "training loss", "curves-loss.png"),
                                      ("monitor_nc_accuracy", "nearest-centroid accuracy (monitor)", "curves-accuracy.png")] {
            if let chart = try curvesChart(column, label: label) {
                try chart.write(to: folder.appendingPathComponent("plots/" + file))
                curves.append(ReportFigure(caption: "\(label) per epoch, every member", path: "plots/" + file))
            }
        }
        // sweep.html
        var sections = [TablePageContent.Section(title: "Members", text: "Best of each column in bold; metrics of the last snapshot epoch.",
                                                 tables: [memberTable(metrics)])]
        if let seedAxis, let seeds = seedTable(metrics, seedAxis: seedAxis) {
            sections.append(TablePageContent.Section(
                title: "Over seeds", text: "Mean ± sample standard deviation (n - 1) over the \(plan.axes[seedAxis].values.count) seeds of each setting.",
                tables: [seeds]))
        }
        if !figures.isEmpty { sections.append(.init(title: "Metrics against the swept keys", figures: figures)) }
        if !curves.isEmpty { sections.append(.init(title: "Learning curves", figures: curves)) }
        let page = TablePageContent(title: "krill sweep \(name)",
                                    subtitle: "\(results.count) members: " + plan.axes.map { "\($0.path) in [\($0.values.joined(separator: ", "))]" }.joined(separator: " x "),
                                    sections: sections)
        try AtomicFile.write(TablePage.render(page), to: folder.appendingPathComponent("sweep.html"))
    }

    func safe(_ s: String) -> String { String(s.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." ? $0 : "_" }) }

    func memberTable(_ metrics: [(MetricDescriptor, String)]) -> TablePageContent.Table {
        let rows = results.map { r -> [String] in
            let v = values(r)
            return [r.member.name] + r.member.assignments.map(\.value) + metrics.map { m, _ in v[m.name].map { String(format: "%.4f", $0) } ?? "-" }
        }
        var marked = Set<[Int]>()
        for (j, (m, _)) in metrics.enumerated() {
            let column = results.map { values($0)[m.name] }
            let best = m.higherIsBetter ? column.compactMap { $0 }.max() : column.compactMap { $0 }.min()
            for (i, v) in column.enumerated() where v != nil && v == best { marked.insert([i, 1 + plan.axes.count + j]) }
        }
        return .init(caption: "", header: ["member"] + plan.axes.map(\.path) + metrics.map(\.1), rows: rows, marked: marked)
    }

    /// Mean ± standard deviation over seeds for each setting of the other keys.
    func seedTable(_ metrics: [(MetricDescriptor, String)], seedAxis: Int) -> TablePageContent.Table? {
        let others = plan.axes.indices.filter { $0 != seedAxis }
        var groups: [(setting: [String], members: [SweepRunner.MemberResult])] = []
        for r in results {
            let setting = others.map { r.member.assignments[$0].value }
            if let i = groups.firstIndex(where: { $0.setting == setting }) { groups[i].members.append(r) } else { groups.append((setting, [r])) }
        }
        var means: [[Double?]] = []
        let rows = groups.map { g -> [String] in
            var row = [g.setting.isEmpty ? "all" : zip(others, g.setting).map { "\(plan.axes[$0].path)=\($1)" }.joined(separator: ",")] + g.setting
            var meanRow: [Double?] = []
            for (m, _) in metrics {
                let v = g.members.compactMap { values($0)[m.name] }
                guard !v.isEmpty else { row.append("-"); meanRow.append(nil); continue }
                let mean = v.reduce(0, +) / Double(v.count)
                let sd = v.count > 1 ? (v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(v.count - 1)).squareRoot() : 0
                row.append(String(format: "%.4f ± %.4f", mean, sd))
                meanRow.append(mean)
            }
            means.append(meanRow)
            return row
        }
        var marked = Set<[Int]>()
        for (j, (m, _)) in metrics.enumerated() {
            let column = means.map { $0[j] }
            let best = m.higherIsBetter ? column.compactMap { $0 }.max() : column.compactMap { $0 }.min()
            for (i, v) in column.enumerated() where v != nil && v == best { marked.insert([i, 1 + others.count + j]) }
        }
        return .init(caption: "", header: ["setting"] + others.map { plan.axes[$0].path } + metrics.map(\.1), rows: rows, marked: marked)
    }

    /// A metric against one swept key: the values of that key along x, a point per member
    /// (one colour per seed, or one for all), and the mean per value.
    func metricChart(_ m: MetricDescriptor, column: String, axis a: Int) -> LineChart {
        let axis = plan.axes[a]
        let seedAxis = plan.axes.firstIndex { $0.path == "seed" }
        var bySeed: [(String, [Double], [Double])] = []
        var sums = [Double](repeating: 0, count: axis.values.count), counts = [Int](repeating: 0, count: axis.values.count)
        for r in results {
            guard let v = values(r)[m.name], let x = axis.values.firstIndex(of: r.member.assignments[a].value) else { continue }
            let seed = seedAxis.map { "seed \(r.member.assignments[$0].value)" } ?? "members"
            if let i = bySeed.firstIndex(where: { $0.0 == seed }) { bySeed[i].1.append(Double(x)); bySeed[i].2.append(v) } else { bySeed.append((seed, [Double(x)], [v])) }
            sums[x] += v
            counts[x] += 1
        }
        // Points of different seeds side by side at each value.
        let spread = bySeed.count > 1 ? 0.16 / Double(bySeed.count - 1) : 0
        var series: [LineSeries] = bySeed.enumerated().map { i, s in
            LineSeries(name: s.0, x: s.1.map { $0 + (Double(i) - Double(bySeed.count - 1) / 2) * spread }, y: s.2, marker: .circle, joined: false)
        }
        let xs = axis.values.indices.filter { counts[$0] > 0 }
        series.append(LineSeries(name: "mean", x: xs.map(Double.init), y: xs.map { sums[$0] / Double(counts[$0]) }, color: .gray(0.2), lineWidth: 1.5))
        return LineChart(series: series, title: "\(column) by \(axis.path)", xLabel: axis.path, yLabel: m.name, xCategories: axis.values)
    }

    /// A history column of every member per epoch, one colour per setting of the non-seed keys.
    func curvesChart(_ column: String, label: String) throws -> LineChart? {
        let seedAxis = plan.axes.firstIndex { $0.path == "seed" }
        var settings: [String] = []
        var series: [LineSeries] = []
        for r in results {
            guard let folder = r.folder else { continue }
            let url = folder.url.appendingPathComponent("history.csv")
            guard let text = try? String(contentsOf: url, encoding: .utf8) else { continue }
            let rows = try HistoryCSV.parse(text, path: url.path)
            let setting = r.member.assignments.enumerated().filter { $0.offset != seedAxis }.map { "\($0.element.path)=\($0.element.value)" }
                .joined(separator: ",")
            let first = !settings.contains(setting)
            if first { settings.append(setting) }
            let values: [Double] = rows.map { row in Double(column == "train_loss" ? row.trainLoss : row.monitorNearestCentroidAccuracy) }
            series.append(LineSeries(name: first ? (setting.isEmpty ? "members" : setting) : "", x: rows.map { Double($0.epoch) }, y: values,
                                     color: Palette.color(settings.firstIndex(of: setting)!), lineWidth: 1.5))
        }
        guard !series.isEmpty else { return nil }
        return LineChart(series: series, title: "\(label), every member", xLabel: "epoch", yLabel: label, integerX: true,
                         legend: settings.count > 8 ? .outside : .auto, width: 760, height: 440)
    }
}
