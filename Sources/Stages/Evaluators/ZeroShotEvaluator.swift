import Evaluation
import Experiment
import Foundation
import Pipeline
import Storage

/// `zeroshot@e`: the unseen classes' embeddings: few-shot nearest-centroid accuracy over
/// seeded draws, k-means NMI/ARI/Hungarian accuracy; the same for the seen classes' test
/// embeddings for contrast (`zeroshot/` files).
struct ZeroShotStage: ParameterizedStage {
    struct Parameters: StageParameters {
        var epoch: Int
        var seed: Int
        var zeroshot: Settings

        struct Settings: Codable, Hashable, Sendable {
            var shots: Int
            var repeats: Int
        }

        enum CodingKeys: String, CodingKey {
            case epoch, seed
            case zeroshot = "evaluate.zeroshot"
        }
    }

    let kind = "zeroshot"
    let version = 1
    let parameters: Parameters
    var epoch: Int { parameters.epoch }
    var inputs: [String] { ["embed@\(epoch)"] }
    func publishedPath(of file: String) -> String? { "epoch-\(epoch)/zeroshot/\(file)" }

    func run(_ context: StageContext) throws {
        let folder = context.input("embed@\(epoch)").folder
        let list = try ClassList.read(folder)
        let config = ZeroShot.Config(shots: parameters.zeroshot.shots, draws: parameters.zeroshot.repeats, seed: UInt64(parameters.seed))
        let unseenSet = try EmbeddingSet.read(split: "unseen", from: folder)
        let unseen = unseenSet.restricted(to: list.unseen)
        let seen = try EmbeddingSet.read(split: "test", from: folder).restricted(to: list.seen)
        let figures = [
            ZeroShot.evaluate(set: "unseen", unseen.values, n: unseen.n, d: unseenSet.d, labels: unseen.labels,
                              classCount: list.unseen.count, config: config),
            ZeroShot.evaluate(set: "seen", seen.values, n: seen.n, d: unseenSet.d, labels: seen.labels,
                              classCount: list.seen.count, config: config),
        ]
        try ZeroShot.write(figures, to: context.work)
        try writeMetrics(["zeroshot_accuracy": figures[0].accuracyMean, "zeroshot_accuracy_std": figures[0].accuracyStd,
                          "zeroshot_nmi": figures[0].nmi, "zeroshot_ari": figures[0].ari,
                          "zeroshot_kmeans_accuracy": figures[0].kmeansAccuracy, "seen_fewshot_accuracy": figures[1].accuracyMean],
                         to: context.work)
    }
}

extension Evaluators {
    static let zeroshot = EvaluatorDescriptor(
        kind: "zeroshot", group: "evaluate.zeroshot",
        plan: { c in
            guard c.values.enabled("evaluate.zeroshot"), !c.values.strings("split.unseen_classes").isEmpty else { return nil }
            return ZeroShotStage(parameters: try .decode(c.experiment, facts: ["epoch": .int(c.epoch)]))
        },
        metrics: [MetricDescriptor("zeroshot_accuracy", "zero-shot few-shot accuracy (unseen classes)", headline: true, split: .fixed("unseen")),
                  MetricDescriptor("zeroshot_accuracy_std", "its standard deviation over draws", split: .fixed("unseen"), higherIsBetter: false),
                  MetricDescriptor("zeroshot_nmi", "zero-shot k-means NMI (unseen)", split: .fixed("unseen")),
                  MetricDescriptor("zeroshot_ari", "zero-shot k-means ARI (unseen)", split: .fixed("unseen")),
                  MetricDescriptor("zeroshot_kmeans_accuracy", "zero-shot k-means accuracy (unseen)", split: .fixed("unseen")),
                  MetricDescriptor("seen_fewshot_accuracy", "few-shot accuracy on seen classes (test)", split: .fixed("test"))],
        accuracySeries: [("zeroshot_accuracy", "zero-shot (unseen)")],
        tables: [TableDescriptor("Zero-shot figures", "zeroshot/summary.csv")])
}
