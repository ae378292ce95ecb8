import ConvNet
import Datasets
import Foundation
import Linalg
import Pipeline
import Storage

/// `embed@e`: the snapshot weights of epoch e applied to the validation, test and unseen
/// images (published as `epoch-<e>/embeddings-<split>.npy` + `labels-<split>.csv`), and to
/// a fixed sample of at most `trainPerClass` training images per class (for centroids and
/// for evaluators fitted on `train`; not published).
struct EmbedStage: Stage {
    let kind = "embed"
    let version = 1
    let epoch: Int
    let source: String
    let seed: UInt64
    static let trainPerClass = 200
    var inputs: [String] { [source, "split", "train"] }

    var params: JSONValue {
        .object(["epoch": .int(epoch), "train_per_class": .int(EmbedStage.trainPerClass), "seed": .int(Int(seed))])
    }

    func publishedPath(of file: String) -> String? {
        file.contains("-train.") ? nil : "epoch-\(epoch)/\(file)"
    }

    func run(_ context: StageContext) throws {
        let store = try ImageStore(directory: context.input(source).file("store"))
        let split = try SplitFile.read(context.input("split").file("split.json"))
        let embedder = try Embedder(weights: context.input("train").file(WeightsFile.fileName(epoch: epoch)))
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
        var out: [Int] = []
        for (i, members) in index.members.enumerated() {
            if members.count <= EmbedStage.trainPerClass { out += members; continue }
            var rng = RandomStream(seed: seed, "embed-train-sample", index.classes[i])
            out += rng.sample(EmbedStage.trainPerClass, from: members.count).map { members[$0] }
        }
        return out.sorted()
    }
}
