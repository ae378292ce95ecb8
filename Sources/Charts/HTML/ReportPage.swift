import Foundation
import Storage

/// A table for the report: caption, header row, body rows (all plain strings; the
/// first column is the row header).
public struct ReportTable: Equatable, Sendable {
    public var caption: String
    public var header: [String]
    public var rows: [[String]]

    public init(caption: String, header: [String], rows: [[String]]) {
        self.caption = caption
        self.header = header
        self.rows = rows
    }

    /// A table from CSV text (header row first), e.g. a `classification_report.csv`.
    /// - Throws: `StorageError.format` on malformed CSV (an unterminated quote).
    public init(caption: String, csv: String) throws {
        let parsed = try CSV.parse(csv, source: caption)
        self.init(caption: caption, header: parsed.first ?? [], rows: Array(parsed.dropFirst()))
    }
}

/// An image on the page: caption and path relative to the page's folder.
public struct ReportFigure: Equatable, Sendable {
    public var caption: String
    public var path: String

    public init(caption: String, path: String) {
        self.caption = caption
        self.path = path
    }
}

/// Everything shown for one snapshot epoch.
public struct ReportSnapshot: Equatable, Sendable {
    public var epoch: Int
    public var figures: [ReportFigure]
    public var tables: [ReportTable]

    public init(epoch: Int, figures: [ReportFigure], tables: [ReportTable]) {
        self.epoch = epoch
        self.figures = figures
        self.tables = tables
    }
}

/// One row of the stage table (from run.json).
public struct ReportStageRow: Equatable, Sendable {
    public var node: String
    public var kind: String
    /// computed | cached | resumed (any text is shown as is).
    public var state: String
    /// Seconds the stage took in this run; nil when unknown.
    public var seconds: Double?

    public init(node: String, kind: String, state: String, seconds: Double?) {
        self.node = node
        self.kind = kind
        self.state = state
        self.seconds = seconds
    }
}

/// The content of a run's `report.html`, as plain values.
public struct ReportContent: Equatable, Sendable {
    public var title: String
    /// A line under the title (run name and number, ...); may be empty.
    public var subtitle: String
    /// Provenance as (name, value) pairs shown under the title: krill version, commit,
    /// host, start and end. The page itself adds nothing (no timestamp of its own).
    public var provenance: [(String, String)]
    /// The resolved experiment YAML, shown verbatim.
    public var experimentYAML: String
    /// Headline metrics.
    public var metrics: ReportTable
    /// Run-level plots (`plots/loss.png`, `plots/tsne.gif`, ...), relative paths.
    public var figures: [ReportFigure]
    public var snapshots: [ReportSnapshot]
    public var stages: [ReportStageRow]

    public init(title: String, subtitle: String = "", provenance: [(String, String)] = [], experimentYAML: String,
                metrics: ReportTable, figures: [ReportFigure], snapshots: [ReportSnapshot], stages: [ReportStageRow]) {
        self.title = title
        self.subtitle = subtitle
        self.provenance = provenance
        self.experimentYAML = experimentYAML
        self.metrics = metrics
        self.figures = figures
        self.snapshots = snapshots
        self.stages = stages
    }

    public static func == (a: ReportContent, b: ReportContent) -> Bool {
        a.title == b.title && a.subtitle == b.subtitle && a.provenance.map { [$0.0, $0.1] } == b.provenance.map { [$0.0, $0.1] }
            && a.experimentYAML == b.experimentYAML && a.metrics == b.metrics && a.figures == b.figures
            && a.snapshots == b.snapshots && a.stages == b.stages
    }
}

/// Renders a run's `report.html`: one self-contained HTML5 page (inline CSS, no
/// script, nothing fetched from the network) with the headline metrics, every plot,
/// each snapshot epoch's figures and tables, the stage table and the experiment as run.
/// Images are referenced by relative paths, so the run folder can be moved or copied.
/// Every text is HTML-escaped. A pure function: the same content gives the same string.
public enum ReportPage {
    /// - Throws: `ChartError.invalidInput` when an image path is not relative.
    public static func render(_ c: ReportContent) throws -> String {
        let allFigures = c.figures + c.snapshots.flatMap(\.figures)
        if let bad = allFigures.first(where: { !HTML.isRelative($0.path) }) {
            throw ChartError.invalidInput("report image paths must be relative to the page: \(bad.path)")
        }
        var out = HTML.pageStart(title: c.title) + """

        """
        if !c.subtitle.isEmpty { out += "<p class=\"subtitle\">\(HTML.escape(c.subtitle))</p>\n" }
        if !c.provenance.isEmpty {
            out += HTML.table(ReportTable(caption: "", header: [], rows: c.provenance.map { [$0.0, $0.1] }), id: "provenance")
        }
        out += "</header>\n<nav>"
        var links = [("metrics", "Metrics")]
        if !c.figures.isEmpty { links.append(("plots", "Plots")) }
        links += c.snapshots.map { ("epoch-\($0.epoch)", "Epoch \($0.epoch)") }
        links += [("stages", "Stages"), ("experiment", "Experiment")]
        out += links.map { "<a href=\"#\($0.0)\">\(HTML.escape($0.1))</a>" }.joined(separator: " ")
        out += "</nav>\n<main>\n"

        out += "<section id=\"metrics\">\n<h2>Headline metrics</h2>\n" + HTML.table(c.metrics) + "</section>\n"
        if !c.figures.isEmpty {
            out += "<section id=\"plots\">\n<h2>Plots</h2>\n<div class=\"figures\">\n"
            out += c.figures.map { HTML.figure(caption: $0.caption, path: $0.path) }.joined()
            out += "</div>\n</section>\n"
        }
        for s in c.snapshots {
            out += "<section id=\"epoch-\(s.epoch)\">\n<h2>Epoch \(s.epoch)</h2>\n"
            if !s.figures.isEmpty {
                out += "<div class=\"figures\">\n" + s.figures.map { HTML.figure(caption: $0.caption, path: $0.path) }.joined()
                    + "</div>\n"
            }
            if !s.tables.isEmpty {
                out += "<div class=\"tables\">\n" + s.tables.map { HTML.table($0) }.joined() + "</div>\n"
            }
            out += "</section>\n"
        }
        out += "<section id=\"stages\">\n<h2>Stages</h2>\n" + stageTable(c.stages) + "</section>\n"
        out += "<section id=\"experiment\">\n<h2>Experiment</h2>\n<details open><summary>experiment.yaml (resolved)</summary>\n"
        out += "<pre><code>\(HTML.escape(c.experimentYAML))</code></pre>\n</details>\n</section>\n"
        out += "</main>\n<footer>Written by krill.</footer>\n</body>\n</html>\n"
        return out
    }

    static func stageTable(_ stages: [ReportStageRow]) -> String {
        var out = "<table>\n<thead><tr><th scope=\"col\">node</th><th scope=\"col\">kind</th><th scope=\"col\">state</th>"
            + "<th scope=\"col\">seconds</th></tr></thead>\n<tbody>\n"
        for s in stages {
            let seconds = s.seconds.map { Ticks.plain($0, decimals: 1) } ?? "—"
            out += "<tr><th scope=\"row\">\(HTML.escape(s.node))</th><td>\(HTML.escape(s.kind))</td>"
                + "<td class=\"state-\(HTML.slug(s.state))\">\(HTML.escape(s.state))</td><td class=\"num\">\(seconds)</td></tr>\n"
        }
        let total = stages.compactMap(\.seconds).reduce(0, +)
        let computed = stages.filter { $0.state == "computed" }.count
        out += "</tbody>\n<tfoot><tr><th scope=\"row\">total</th><td>\(stages.count) stages</td><td>\(computed) computed</td>"
            + "<td class=\"num\">\(Ticks.plain(total, decimals: 1))</td></tr></tfoot>\n</table>\n"
        return out
    }
}
