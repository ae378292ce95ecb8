import ConvNet
import Datasets
import Experiment
import Foundation
import Linalg
import Pipeline
import Storage

/// `features`: a frozen backbone's output (`model.freeze: backbone`), computed once for the
/// whole data set, so that training the head is cheap and ten heads on the same backbone
/// compute it once. Its key holds the backbone (architecture, ResNet settings, the SHA-256 of
/// the pretrained weights, the seed of a random one), the augmentation, and the store and
/// split; not the head (`hidden`, `embedding`, `output`, `dropout`) nor anything of training.
///
/// Augmentation on a frozen backbone: the features of every view augmentation can draw (the
/// 8 symmetries of the square with flips and quarter turns, 4 or 2 with one of them, 1
/// without) are computed once per training image; a training step takes the view its
/// augmentation draws, exactly as an unfrozen network would see the transformed image.
/// Validation, test and unseen images need only the image as it is.
///
/// Outputs: `features.npy` (N x C: every store row, as it is), `views.npy` ((V - 1) T x C:
/// the other views of the T training rows, view-major, rows in `split.train` order),
/// `views.json` (the views), and `backbone.bin` (a weights file of the backbone as used:
/// the training stages take its backbone tensors into the networks they write).
struct FeaturesStage: ParameterizedStage {
    struct Parameters: StageParameters {
        var seed: Int
        var backbone: Backbone
        var augment: AugmentSettings

        /// `model` without the head's keys.
        struct Backbone: Codable, Hashable, Sendable {
            var architecture: ModelArchitecture
            var resnet: ResNetSettings
            var weights: String?
        }

        enum CodingKeys: String, CodingKey {
            case seed, backbone
            case augment = "training.augment"
        }
    }

    let kind = "features"
    let version = 1
    let parameters: Parameters
    let source: String
    /// The pretrained weights file (its SHA-256 is in the parameters).
    let pretrained: URL?
    var inputs: [String] { [source, "split"] }
    func publishedPath(of file: String) -> String? { nil }

    static let featuresFile = "features.npy", viewsFile = "views.npy", viewsListFile = "views.json", backboneFile = "backbone.bin"

    init(experiment: ResolvedExperiment, source: String, model: ModelSettings, pretrained: URL?) throws {
        let augment = try TrainEpochStage.AugmentOnly.decode(experiment).augment
        guard let resnet = model.resnet else { fatalError("a features stage without a ResNet") }
        parameters = Parameters(seed: experiment.values.int("seed"),
                                backbone: .init(architecture: .resnet, resnet: resnet, weights: model.weights), augment: augment)
        self.source = source
        self.pretrained = pretrained
    }

    /// The backbone network: seeded, then the pretrained weights when given. Its head is a
    /// placeholder (the train stages have their own).
    static func backbone(_ p: Parameters, side: Int, pretrained: URL?) throws -> Network {
        let network = try Network(config: NetworkConfig(embedding: 1, resnet: p.backbone.resnet.config), inputSide: side, seed: UInt64(p.seed))
        if let pretrained {
            try PretrainedWeights.load(pretrained, expectedSHA256: p.backbone.weights, into: network)
        }
        return network
    }

    func run(_ context: StageContext) throws {
        let store = try ImageStore(directory: context.input(source).file("store"))
        let split = try SplitFile.read(context.input("split").file("split.json"))
        let network = try FeaturesStage.backbone(parameters, side: store.side, pretrained: pretrained)
        network.threads = Workers.available
        let views = FeatureInputs.views(parameters.augment.config)
        let c = network.config.backboneWidth
        let batch = 128
        let input = FloatBuffer(count: batch * store.side * store.side)
        func compute(_ rows: [Int], _ view: ImageBatch.Symmetry, label: String, done: Int, total: Int) -> [Float] {
            var out = [Float](repeating: 0, count: rows.count * c)
            Workers.withSingleThreadedBLAS {
                var start = 0
                while start < rows.count {
                    let chunk = Array(rows[start..<min(start + batch, rows.count)])
                    ImageBatch.load(store: store, rows: chunk, symmetries: Array(repeating: view, count: chunk.count), into: input.pointer)
                    let f = network.backboneFeatures(input: input.pointer, n: chunk.count)
                    out.withUnsafeMutableBufferPointer { (($0.baseAddress! + start * c)).update(from: f, count: chunk.count * c) }
                    start += chunk.count
                    context.progress.status("features: \(label) \(done + start)/\(total) images")
                }
            }
            return out
        }
        let total = store.count + (views.count - 1) * split.train.count
        let all = compute(Array(0..<store.count), .identity, label: "", done: 0, total: total)
        try NPY.write(all, rows: store.count, cols: c, to: context.work.appendingPathComponent(FeaturesStage.featuresFile))
        var others: [Float] = []
        for (v, view) in views.enumerated().dropFirst() {
            others += compute(split.train, view, label: "view \(v + 1)/\(views.count)", done: store.count + (v - 1) * split.train.count, total: total)
        }
        if views.count > 1 {
            try NPY.write(others, rows: (views.count - 1) * split.train.count, cols: c, to: context.work.appendingPathComponent(FeaturesStage.viewsFile))
        }
        try AtomicFile.write(JSONValue.array(views.map { .object(["flip": .bool($0.flip), "quarter_turns": .int($0.quarterTurns)]) }).pretty,
                             to: context.work.appendingPathComponent(FeaturesStage.viewsListFile))
        try WeightsFile.write(network, epoch: 0, to: context.work.appendingPathComponent(FeaturesStage.backboneFile))
    }

    /// The committed features as training inputs: every row as it is, and the other views
    /// of the training rows (other rows are only ever seen as they are).
    static func inputs(_ output: CommittedStage, store: ImageStore, split: DatasetSplit) throws -> FeatureInputs {
        let (identity, rows, c) = try NPY.read(output.file(featuresFile))
        guard rows == store.count else { throw StorageError.format(path: output.file(featuresFile).path, reason: "\(rows) rows for \(store.count) images") }
        let views = try JSONValue.parse(Data(contentsOf: output.file(viewsListFile))).arrayValue?.map {
            ImageBatch.Symmetry(flip: $0["flip"] == .bool(true), quarterTurns: $0["quarter_turns"]?.intValue ?? 0)
        } ?? [.identity]
        let others = views.count > 1 ? try NPY.read(output.file(viewsFile)).values : []
        return FeatureInputs(identity: identity, others: others, views: views, trainRows: split.train, rows: rows, width: c, labels: store.labels)
    }
}

/// `model.weights`: a safetensors file of torchvision-named backbone tensors.
enum PretrainedWeights {
    /// The backbone tensors torchvision's ResNet names (the head is krill's own).
    static let backbonePrefixes = ["conv1.", "bn1.", "layer"]

    /// Loads the backbone of `url` into `network`, checking the file is the one planned.
    static func load(_ url: URL, expectedSHA256: String?, into network: Network) throws {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw PipelineError.io("\(url.path): cannot read the pretrained weights (model.weights)")
        }
        if let expected = expectedSHA256, "sha256:" + SHA256.hex(data) != expected {
            throw PipelineError.io("\(url.path) changed since the run was planned; run again")
        }
        let (tensors, _) = try Safetensors.decode([UInt8](data), source: url.path)
        try TorchExport.load(tensors, into: network, only: backbonePrefixes, ignoring: ["fc."], source: url.path)
    }
}
