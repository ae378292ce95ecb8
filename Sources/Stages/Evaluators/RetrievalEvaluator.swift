import Evaluation
import Experiment
import Foundation
import Pipeline
import Storage

/// `retrieval@e`: the metric-learning retrieval figures (precision@1, R-precision, MAP@R,
/// see `Retrieval`) of the `query` split's embeddings against the `reference` split's;
/// leave-one-out within the split when they are the same (`retrieval/summary.csv`: per
/// class, then all queries).
struct RetrievalStage: ParameterizedStage {
    struct Parameters: StageParameters {
        var epoch: Int
        var retrieval: Settings

        struct Settings: Codable, Hashable, Sendable {
            var query: SplitName
            var reference: SplitName
        }

        enum CodingKeys: String, CodingKey {
            case epoch
            case retrieval = "evaluate.retrieval"
        }
    }

    let kind = "retrieval"
    let version = 1
    let parameters: Parameters
    var epoch: Int { parameters.epoch }
    var inputs: [String] { ["embed@\(epoch)"] }
    func publishedPath(of file: String) -> String? { "epoch-\(epoch)/retrieval/\(file)" }

    func run(_ context: StageContext) throws {
        let s = parameters.retrieval
        let (classes, reference, query, d) = try FitTestSets.load(context.input("embed@\(epoch)").folder,
                                                                  fitOn: s.reference.rawValue, testOn: s.query.rawValue)
        context.progress.status("retrieval@\(epoch): \(query.n) queries against \(reference.n) points")
        let result = Retrieval.evaluate(queries: query.values, queryLabels: query.labels, references: reference.values,
                                        referenceLabels: reference.labels, d: d, classCount: classes.count,
                                        sameSource: s.query == s.reference)
        try AtomicFile.write(result.csv(classNames: classes), to: context.work.appendingPathComponent("summary.csv"))
        try writeMetrics(["retrieval_precision_at_1": result.all.precisionAt1, "retrieval_r_precision": result.all.rPrecision,
                          "retrieval_map_at_r": result.all.mapAtR], to: context.work)
    }
}

extension Evaluators {
    static let retrieval = EvaluatorDescriptor(
        kind: "retrieval", group: "evaluate.retrieval",
        plan: { c in
            c.values.enabled("evaluate.retrieval")
                ? RetrievalStage(parameters: try .decode(c.experiment, facts: ["epoch": .int(c.epoch)])) : nil
        },
        metrics: [MetricDescriptor("retrieval_precision_at_1", "retrieval precision@1", headline: true, split: .key("evaluate.retrieval.query")),
                  MetricDescriptor("retrieval_r_precision", "retrieval R-precision", split: .key("evaluate.retrieval.query")),
                  MetricDescriptor("retrieval_map_at_r", "retrieval MAP@R", headline: true, split: .key("evaluate.retrieval.query"))],
        tables: [TableDescriptor("Retrieval: precision@1, R-precision, MAP@R per class", "retrieval/summary.csv")])
}
