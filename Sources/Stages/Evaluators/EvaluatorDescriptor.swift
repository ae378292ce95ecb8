import Datasets
import Experiment
import Foundation
import Pipeline
import Storage

/// One evaluator, declared in one place: how it is planned (per snapshot epoch, or once per
/// run), the metrics it adds to `summary.json`, and the figures and tables it adds to the
/// report. The planner, the report stage, `report.html`, `krill runs` and `krill diff`
/// iterate over `Evaluators.all`; none of them names an evaluator.
///
/// Adding an evaluator: its stage, parameters and descriptor in one file under
/// `Sources/Stages/Evaluators/`, its algorithm in an algorithm module, its keys in the
/// experiment schema, and one line in `Evaluators.all` (docs/design.md walks through the
/// retrieval evaluator as the example).
public struct EvaluatorDescriptor: Sendable {
    public enum Scope: Sendable {
        /// One stage per snapshot epoch (`svm@12`), reading that epoch's `embed@12`.
        case snapshot
        /// One stage per run (`baseline`), reading the source and the split.
        case run
    }

    /// Stage kind, and node name (with `@epoch` for snapshot evaluators).
    public let kind: String
    public let scope: Scope
    /// The schema group holding its keys (`evaluate.svm`).
    public let group: String
    /// Plans the stage, or nil when the experiment switches the evaluator off.
    let plan: @Sendable (PlanContext) throws -> (any Stage)?
    /// The metrics its `metrics.json` holds, in display order.
    public let metrics: [MetricDescriptor]
    /// Snapshot metrics drawn on the accuracy plot (metric, legend); for run-wide
    /// evaluators, drawn as a constant line.
    public let accuracySeries: [(metric: String, label: String)]
    /// Figures the report stage draws from the evaluator's output: paths relative to the
    /// snapshot's `epoch-<e>/` folder (snapshot scope) or to the run folder (run scope).
    public let figures: [FigureDescriptor]
    /// CSV tables it publishes, shown in report.html (paths as for `figures`).
    public let tables: [TableDescriptor]
    /// Draws `figures` (nil when there are none).
    let draw: (@Sendable (ReportDrawing) throws -> Void)?
    /// Figures over all snapshots (paths relative to the run folder), and how to draw them.
    public let runFigures: [FigureDescriptor]
    let drawRun: (@Sendable (RunDrawing) throws -> Void)?

    init(kind: String, scope: Scope = .snapshot, group: String, plan: @escaping @Sendable (PlanContext) throws -> (any Stage)?,
         metrics: [MetricDescriptor], accuracySeries: [(metric: String, label: String)] = [],
         figures: [FigureDescriptor] = [], tables: [TableDescriptor] = [], draw: (@Sendable (ReportDrawing) throws -> Void)? = nil,
         runFigures: [FigureDescriptor] = [], drawRun: (@Sendable (RunDrawing) throws -> Void)? = nil) {
        self.kind = kind
        self.scope = scope
        self.group = group
        self.plan = plan
        self.metrics = metrics
        self.accuracySeries = accuracySeries
        self.figures = figures
        self.tables = tables
        self.draw = draw
        self.runFigures = runFigures
        self.drawRun = drawRun
    }

    /// The node of this evaluator at snapshot `epoch` (or the run-wide node).
    public func node(epoch: Int) -> String { scope == .run ? kind : "\(kind)@\(epoch)" }
}

/// A metric an evaluator writes to its `metrics.json` and so to `summary.json`.
public struct MetricDescriptor: Sendable, Equatable {
    /// The split a metric is measured on: a fixed one, or the value of a key.
    public enum Split: Sendable, Equatable {
        case fixed(String)
        /// The split named by this experiment key (`evaluate.svm.test_on`).
        case key(String)
    }

    /// Key in metrics.json and summary.json (`svm_accuracy`).
    public let name: String
    /// What it is, for tables and legends.
    public let label: String
    /// Shown by `krill runs` and sweep tables among the headline metrics.
    public let headline: Bool
    public let split: Split?
    /// Whether a larger value is better (marks the best of a sweep's column).
    public let higherIsBetter: Bool

    init(_ name: String, _ label: String, headline: Bool = false, split: Split? = nil, higherIsBetter: Bool = true) {
        self.name = name
        self.label = label
        self.headline = headline
        self.split = split
        self.higherIsBetter = higherIsBetter
    }

    /// The column name of tables: the metric and the split it is measured on
    /// (`svm_accuracy(test)`), given a run's experiment values by key.
    public func column(_ value: (String) -> String?) -> String {
        switch split {
        case .fixed(let s): return "\(name)(\(s))"
        case .key(let k): return "\(name)(\(value(k) ?? "?"))"
        case nil: return name
        }
    }
}

/// An image of the report: caption and path.
public struct FigureDescriptor: Sendable, Equatable {
    public let caption: String
    public let path: String
    init(_ caption: String, _ path: String) {
        self.caption = caption
        self.path = path
    }
}

/// A CSV table of the report: caption and path.
public typealias TableDescriptor = FigureDescriptor

/// What an evaluator's planning sees.
struct PlanContext {
    let experiment: ResolvedExperiment
    /// The snapshot epoch (0 for run-wide evaluators).
    let epoch: Int
    /// The source node (`synth` or `rescale`).
    let source: String
    /// The node with this snapshot's embeddings (`embed@e`).
    var embed: String { "embed@\(epoch)" }
    var values: ResolvedValues { experiment.values }
}

/// What an evaluator's `draw` sees: its committed output, where the report's files go, and
/// (loaded on first use) the image store and split, for figures that show images.
struct ReportDrawing {
    let output: CommittedStage
    let epoch: Int
    /// The report's work folder (its paths are the run folder's).
    let report: URL
    let data: ReportData

    /// `path` inside this snapshot's `epoch-<e>/` folder of the report (or the run folder).
    func file(_ path: String, scope: EvaluatorDescriptor.Scope = .snapshot) -> URL {
        report.appendingPathComponent(scope == .run ? path : "epoch-\(epoch)/\(path)")
    }
}

/// What `drawRun` sees: the evaluator's outputs by snapshot epoch, in epoch order.
struct RunDrawing {
    let outputs: [(epoch: Int, output: CommittedStage)]
    let report: URL
}

/// The image store and split, read when a figure first needs them.
final class ReportData: @unchecked Sendable {
    private let storeURL: URL, splitURL: URL
    private var cached: (ImageStore, DatasetSplit)?

    init(store: URL, split: URL) {
        storeURL = store
        splitURL = split
    }

    func load() throws -> (store: ImageStore, split: DatasetSplit) {
        if let cached { return cached }
        let loaded = (try ImageStore(directory: storeURL), try SplitFile.read(splitURL))
        cached = loaded
        return loaded
    }
}

/// Writes the small `metrics.json` every evaluator leaves for the report's summary.
func writeMetrics(_ metrics: [String: Double], to folder: URL) throws {
    try AtomicFile.write(JSONValue.object(metrics.mapValues { .double($0) }).pretty, to: folder.appendingPathComponent("metrics.json"))
}
