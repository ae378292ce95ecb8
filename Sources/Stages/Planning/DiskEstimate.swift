import ConvNet
import Experiment
import Foundation
import Pipeline

/// What each stage of a plan will put on disk, estimated from the plan alone (before any
/// input exists): the image store from the image count and side, training epochs from
/// the network's parameter count and optimiser, embeddings and features from their
/// shapes, the evaluators and the report from what the demo's measured (they hold
/// plots and small tables). Estimates err high: `krill run` refuses to start when the
/// stages it would compute need more than the artifact filesystem has free.
public enum DiskEstimate {
    /// Estimated bytes of each node's committed output (side blobs included).
    public static func bytes(of plan: ExperimentPlan, experiment: ResolvedExperiment) -> [String: Int] {
        let v = experiment.values
        let images: Int
        if let rescale = plan.graph.nodes[plan.source] as? RescaleStage {
            images = rescale.scan.files.count
        } else {
            images = v.int("data.synthetic.classes") * v.int("data.synthetic.per_class")
        }
        let side = v.int("rescale.size")
        let model = (try? ModelOnly.decode(experiment))?.model
        let parameters = model.map { ParameterLayout(config: $0.config).parameterCount } ?? 0
        let embedding = model?.embedding ?? 64
        // Adam keeps two moments per parameter, SGD one (momentum).
        let stateFloats = v.string("training.optimizer.name") == "adam" ? 2 * parameters : parameters
        let augmented = v.bool("training.augment.flip") || v.bool("training.augment.rotate90")
        let featureWidth = model?.resnet?.widths.last ?? 0
        let snapshots = plan.snapshots.count
        let mb = 1 << 20
        var out: [String: Int] = [:]
        for (node, stage) in plan.graph.nodes {
            switch stage.kind {
            case "synth", "rescale": out[node] = images * (side * side + 96) + mb
            case "split": out[node] = images * 24 + 64 << 10
            case "features": out[node] = images * featureWidth * 4 * (augmented ? 8 : 1) + 4 * parameters + mb
            case "train": out[node] = 4 * (parameters + stateFloats) + 256 << 10
            case "embed": out[node] = images * (embedding * 4 + 48) + 64 << 10
            case "tsne": out[node] = images * 16 + mb
            case "svm": out[node] = images * embedding * 4 / 4 + mb
            case "report": out[node] = 2 * mb + snapshots * mb
            default: out[node] = mb / 2
            }
        }
        return out
    }

    /// Free bytes on the filesystem holding `url` (or its nearest existing parent); nil
    /// where the system cannot tell.
    public static func freeBytes(at url: URL) -> Int? {
        var folder = url.standardizedFileURL
        while !FileManager.default.fileExists(atPath: folder.path) && folder.path != "/" { folder.deleteLastPathComponent() }
        var info = statvfs()
        guard statvfs(folder.path, &info) == 0 else { return nil }
        return Int(info.f_bavail) * Int(info.f_frsize)
    }

    /// `12.3 MB`, `1.4 GB`.
    public static func text(_ bytes: Int) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var value = Double(bytes), unit = 0
        while value >= 1000 && unit < units.count - 1 { value /= 1000; unit += 1 }
        return unit == 0 ? "\(bytes) B" : String(format: value < 10 ? "%.1f" : "%.0f", value) + " " + units[unit]
    }
}
