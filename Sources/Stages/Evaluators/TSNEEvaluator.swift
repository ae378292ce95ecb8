import Charts
import Evaluation
import Experiment
import Foundation
import Pipeline
import Storage
import TSNE

/// `tsne@e`: t-SNE of the validation embeddings (`tsne.csv`: `row,path,class,x,y`). The
/// early-exaggeration phase lasts `exaggerated_iterations`, by default min(250,
/// iterations / 3) iterations (openTSNE's 250 for the usual 750 iterations). Layouts are
/// aligned across snapshots by the report.
struct TSNEStage: ParameterizedStage {
    struct Parameters: StageParameters {
        var epoch: Int
        var seed: Int
        var tsne: Settings

        struct Settings: Codable, Hashable, Sendable {
            var perplexity: Double
            var earlyExaggeration: Double
            var iterations: Int
            var learningRate: NumberOrWord
            /// nil: min(250, iterations / 3).
            var exaggeratedIterations: Int?
            /// nil for the default (pca), so that files written before the key existed keep their keys.
            var initialization: Initialization.Kind?
            /// nil for the default (auto).
            var method: TSNEConfig.GradientMethod?
            /// nil for the default (auto).
            var neighbors: TSNEConfig.NeighborMethod?
            enum CodingKeys: String, CodingKey {
                case perplexity, iterations, method, neighbors
                case earlyExaggeration = "early_exaggeration"
                case learningRate = "learning_rate"
                case exaggeratedIterations = "exaggerated_iterations"
                case initialization = "init"
            }
        }

        enum CodingKeys: String, CodingKey {
            case epoch, seed
            case tsne = "evaluate.tsne"
        }
    }

    let kind = "tsne"
    /// 2: `method` (auto uses FFT interpolation from 50,000 points; below, the bytes of version 1).
    /// 3: `neighbors` (auto: approximate from 200,000 points); auto uses FFT interpolation from
    /// 25,000 points; the attraction summed in Float lanes, FFT grids of smooth sizes
    /// (layouts differ from version 2 in the last bits).
    let version = 3
    let parameters: Parameters
    var epoch: Int { parameters.epoch }
    var inputs: [String] { ["embed@\(epoch)"] }
    func publishedPath(of file: String) -> String? { file == "metrics.json" ? "epoch-\(epoch)/tsne-metrics.json" : "epoch-\(epoch)/\(file)" }

    init(_ c: PlanContext) throws {
        var p = try Parameters.decode(c.experiment, facts: ["epoch": .int(c.epoch)])
        if p.tsne.initialization == .pca { p.tsne.initialization = nil }
        if p.tsne.method == .auto { p.tsne.method = nil }
        if p.tsne.neighbors == .auto { p.tsne.neighbors = nil }
        parameters = p
        _ = try parameters.tsne.learningRate.word(in: ["auto"], path: "evaluate.tsne.learning_rate")
    }

    func run(_ context: StageContext) throws {
        let folder = context.input("embed@\(epoch)").folder
        let set = try EmbeddingSet.read(split: "validation", from: folder)
        let classes = try ClassList.read(folder).seen
        let points = set.restricted(to: classes)
        let s = parameters.tsne
        let rate: TSNEConfig.LearningRate
        switch s.learningRate {
        case .word: rate = .auto
        case .number(let v): rate = .fixed(v)
        }
        let config = TSNEConfig(perplexity: min(s.perplexity, Double(max(1, points.n - 1)) / 3),
                                earlyExaggeration: s.earlyExaggeration,
                                earlyExaggerationIterations: min(s.exaggeratedIterations ?? min(250, s.iterations / 3), s.iterations),
                                iterations: s.iterations, learningRate: rate, initialization: s.initialization ?? .pca,
                                seed: UInt64(parameters.seed), method: s.method ?? .auto,
                                neighbors: s.neighbors ?? .auto)
        context.progress.status("tsne@\(epoch): \(points.n) points")
        let result = TSNEEmbedding.embed(points.values, n: points.n, d: set.d, config: config)
        try ReportFiles.writeTSNE(result.embedding, labels: points.labels, classNames: classes, paths: points.paths,
                                  to: context.work.appendingPathComponent("tsne.csv"))
        try writeMetrics(["tsne_kl": result.kl], to: context.work)
    }
}

extension Evaluators {
    static let tsne = EvaluatorDescriptor(
        kind: "tsne", group: "evaluate.tsne",
        plan: { c in c.values.enabled("evaluate.tsne") ? try TSNEStage(c) : nil },
        metrics: [MetricDescriptor("tsne_kl", "t-SNE KL divergence (validation)", split: .fixed("validation"), higherIsBetter: false)],
        figures: [FigureDescriptor("t-SNE of the validation embeddings", "tsne.png")],
        draw: { d in
            let layout = try TSNELayout(d.output.file("tsne.csv"))
            try ScatterPlot(x: layout.x, y: layout.y, classes: layout.classes, classNames: layout.classNames,
                            title: "t-SNE of validation embeddings, epoch \(d.epoch)")
                .write(to: d.file("tsne.png"))
        },
        runFigures: [FigureDescriptor("t-SNE over the snapshot epochs", "plots/tsne.gif")],
        drawRun: { r in
            // Each frame is rotated/reflected onto the previous one so the animation does not spin.
            var frames: [GIFAnimation.TSNEFrame] = []
            var previous: [Float]? = nil
            var frameClasses: [String] = []
            for (epoch, output) in r.outputs {
                let layout = try TSNELayout(output.file("tsne.csv"))
                var coordinates = layout.interleaved
                if let previous, previous.count == coordinates.count { coordinates = Procrustes.align(coordinates, to: previous) }
                previous = coordinates
                frameClasses = layout.classNames
                frames.append(.init(epoch: epoch, x: stride(from: 0, to: coordinates.count, by: 2).map { Double(coordinates[$0]) },
                                    y: stride(from: 1, to: coordinates.count, by: 2).map { Double(coordinates[$0]) },
                                    classes: layout.classes))
            }
            if !frames.isEmpty {
                try GIFAnimation.tsne(frames, classNames: frameClasses).write(to: r.report.appendingPathComponent("plots/tsne.gif"))
            }
        })
}
