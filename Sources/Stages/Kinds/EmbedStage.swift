import ConvNet
import Datasets
import Experiment
import Foundation
import Linalg
import Pipeline
import Storage

/// `embed@e`: the snapshot weights of epoch e applied to the validation, test and unseen
/// images (published as `epoch-<e>/embeddings-<split>.npy` + `labels-<split>.csv`), and to
/// a fixed sample of at most `trainPerClass` training images per class (for centroids and
/// for evaluators fitted on `train`; not published).
struct EmbedStage: ParameterizedStage {
    struct Parameters: StageParameters {
        var epoch: Int
        var seed: Int
        /// Training images per class embedded for centroids (a plan fact: `trainPerClass`).
        var trainPerClass: Int
        enum CodingKeys: String, CodingKey {
            case epoch, seed
            case trainPerClass = "train_per_class"
        }
    }

    static let trainPerClass = 200

    let kind = "embed"
    let version = 1
    let parameters: Parameters
    let source: String
    /// The node holding the weights of `epoch`.
    let weights: String
    var epoch: Int { parameters.epoch }
    var inputs: [String] { [source, "split", weights] }

    init(experiment: ResolvedExperiment, epoch: Int, source: String, weights: String) throws {
        parameters = try Parameters.decode(experiment, facts: ["epoch": .int(epoch), "train_per_class": .int(EmbedStage.trainPerClass)])
        self.source = source
        self.weights = weights
    }

    func publishedPath(of file: String) -> String? {
        file.contains("-train.") ? nil : "epoch-\(epoch)/\(file)"
    }

    func run(_ context: StageContext) throws {
        let store = try ImageStore(directory: context.input(source).file("store"))
        let split = try SplitFile.read(context.input("split").file("split.json"))
        let embedder = try Embedder(weights: context.input(weights).file(TrainEpochStage.weightsFile))
        var sets: [(String, [Int])] = [("train", trainSample(split.train, labels: store.labels)),
                                        ("validation", split.validation), ("test", split.test)]
        if !split.unseen.isEmpty { sets.append(("unseen", split.unseen)) }
        for (name, rows) in sets {
            context.progress.status("embed@\(epoch): \(name) (\(rows.count) images)")
            let matrix = try embedder.embed(store: store, rows: rows)
            try EmbeddingSet.write(split: name, rows: rows, embeddings: matrix, store: store, to: context.work)
        }
        let unseen = Set(split.unseen.map { store.labels[$0] })
        let list = ClassList(classes: store.classes, unseen: store.classes.indices.filter { unseen.contains($0) }.map { store.classes[$0] })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(encoder.encode(list), to: context.work.appendingPathComponent("classes.json"))
    }

    /// At most `trainPerClass` rows per class, drawn once per seed (stream "embed-train-sample").
    func trainSample(_ rows: [Int], labels: [Int]) -> [Int] {
        let index = ClassIndex(rows: rows, labels: labels)
        let perClass = parameters.trainPerClass
        var out: [Int] = []
        for (i, members) in index.members.enumerated() {
            if members.count <= perClass { out += members; continue }
            var rng = RandomStream(seed: UInt64(parameters.seed), "embed-train-sample", index.classes[i])
            out += rng.sample(perClass, from: members.count).map { members[$0] }
        }
        return out.sorted()
    }
}
