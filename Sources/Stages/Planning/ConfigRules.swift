import ConvNet
import Experiment

/// The rules between experiment keys that depend on what the algorithm modules accept,
/// stated with their types so that they live in one place (the schema's choice lists are
/// checked against the same enums by the tests). `ExperimentRunner.load` hands them to the
/// loader, so their errors come with every other config error, positioned.
public enum ConfigRules {
    public static let all: [ExperimentLoader.Rule] = [lossAndBatch, ClusterSettings.rule]

    /// Each loss variant trains on its batch shape (`LossVariant.batchShape`).
    static func lossAndBatch(_ v: ResolvedValues, _ mark: (String) -> SourceMark) -> [Diagnostic] {
        guard let variant = LossVariant(rawValue: v.string("loss.variant")) else { return [] }
        let batch: BatchConfig
        if let p = v.optionalInt("training.batch.classes"), let k = v.optionalInt("training.batch.per_class") {
            batch = .pk(classes: p, perClass: k)
        } else {
            batch = .triplets(v.optionalInt("training.batch.triplets") ?? 0)
        }
        return variant.problem(with: batch).map { [Diagnostic(mark("loss.variant"), $0)] } ?? []
    }
}
