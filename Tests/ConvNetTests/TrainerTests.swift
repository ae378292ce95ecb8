import CBLAS
@testable import ConvNet
import Datasets
import Foundation
import Linalg
import TestSupport
import XCTest

final class TrainerTests: XCTestCase {
    static var folder: TemporaryDirectory!
    static var store: ImageStore!
    static var split: DatasetSplit!
    var work: TemporaryDirectory!

    override class func setUp() {
        folder = try! TemporaryDirectory("krill-convnet-store")
        store = try! SyntheticShapes.store(in: folder.appending("store"), classes: 4, perClass: 30, side: 16)
        split = try! SyntheticShapes.split(store, validation: 8)
    }

    override class func tearDown() { folder.remove() }
    override func setUpWithError() throws { work = try TemporaryDirectory("krill-convnet-work") }
    override func tearDown() { work.remove() }

    let net = NetworkConfig(channels: [8, 16], batchNorm: true, dropout: 0.1, embedding: 8, output: .l2)

    func config(epochs: Int = 3) -> TrainingConfig {
        TrainingConfig(epochs: epochs, stepsPerEpoch: 4, batch: .triplets(8), optimizer: .adam(lr: 0.003, weightDecay: 0.01),
                       schedule: ScheduleConfig(kind: .cosine(minLR: 0.0005), warmupEpochs: 1), snapshots: [2], checkpointEvery: 1)
    }

    func trainer(_ folder: URL, epochs: Int = 3, loss: LossConfig = LossConfig(), training: TrainingConfig? = nil,
                 network: NetworkConfig? = nil) throws -> Trainer {
        try Trainer(store: Self.store, split: Self.split, network: network ?? net, loss: loss, training: training ?? config(epochs: epochs),
                    seed: 42, workFolder: folder, options: TrainerOptions(validationTriplets: 32, validationBatches: 2, centroidImagesPerClass: 8))
    }

    /// History without the wall-clock column.
    /// history.csv holds no wall-clock column: its whole bytes must agree.
    func deterministicHistory(_ url: URL) throws -> Data {
        try Data(contentsOf: url)
    }

    func testSameSeedGivesBitIdenticalWeightsAndHistory() throws {
        let a = try trainer(work.appending("a")).run()
        try trainer(work.appending("b")).run()
        XCTAssertEqual(a.history.count, 3)
        XCTAssertEqual(a.snapshots.map(\.epoch), [2, 3])
        for e in [2, 3] {
            XCTAssertEqual(try Data(contentsOf: work.appending("a/weights-epoch-\(e).bin")),
                           try Data(contentsOf: work.appending("b/weights-epoch-\(e).bin")), "weights after epoch \(e)")
        }
        XCTAssertEqual(try deterministicHistory(work.appending("a/history.csv")), try deterministicHistory(work.appending("b/history.csv")))
        let header = try String(contentsOf: work.appending("a/history.csv"), encoding: .utf8).split(separator: "\n")[0]
        XCTAssertEqual(header, "epoch,lr,train_loss,val_loss,monitor_cluster_size,monitor_centroid_distance,monitor_nc_accuracy")
        let timings = try String(contentsOf: work.appending("a/timings.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(timings.first, "epoch,seconds")
        XCTAssertEqual(timings.count, 4, "a row per epoch")
        // The rate the optimiser used: warm-up then cosine.
        XCTAssertEqual(a.history.map(\.lr), [0.0015, 0.003, Float(0.0005 + 0.0025 * (1 + cos(Double.pi / 2)) / 2)])
        XCTAssert(a.history.allSatisfy { $0.valLoss.isFinite && $0.monitorNearestCentroidAccuracy >= 0 })
    }

    func testThreadCountDoesNotChangeTheWeights() throws {
        let saved = openblas_get_num_threads()
        defer { openblas_set_num_threads(saved) }
        openblas_set_num_threads(1)
        let one = try trainer(work.appending("one"), epochs: 1)
        one.threads = 1
        try one.run()
        openblas_set_num_threads(2)
        let two = try trainer(work.appending("two"), epochs: 1)
        two.threads = 2
        try two.run()
        XCTAssertEqual(try Data(contentsOf: work.appending("one/weights-epoch-1.bin")),
                       try Data(contentsOf: work.appending("two/weights-epoch-1.bin")))
    }

    /// Fine-tuning a ResNet keeps the guarantees: 1 and 2 threads give the same weights, and
    /// a run stopped after epoch 1 and resumed gives the bytes of one never stopped.
    func testResNetTrainingIsThreadIndependentAndResumesExactly() throws {
        let resnet = NetworkConfig(dropout: 0.1, embedding: 8, output: .l2,
                                   resnet: ResNetConfig(blocks: [1, 1], widths: [4, 8], stem: .small), hidden: 8)
        let saved = openblas_get_num_threads()
        defer { openblas_set_num_threads(saved) }
        for threads in [1, 2] {
            openblas_set_num_threads(Int32(threads))
            let t = try trainer(work.appending("t\(threads)"), epochs: 2, network: resnet)
            t.threads = threads
            try t.run()
        }
        XCTAssertEqual(try Data(contentsOf: work.appending("t1/weights-epoch-2.bin")), try Data(contentsOf: work.appending("t2/weights-epoch-2.bin")))
        _ = try trainer(work.appending("stopped"), epochs: 2, network: resnet).run(stopAfterEpoch: 1)
        let resumed = try trainer(work.appending("stopped"), epochs: 2, network: resnet).run()
        XCTAssertEqual(resumed.resumedAfterEpoch, 1)
        XCTAssertEqual(try Data(contentsOf: work.appending("t1/weights-epoch-2.bin")), try Data(contentsOf: work.appending("stopped/weights-epoch-2.bin")))
        XCTAssertEqual(try Data(contentsOf: work.appending("t1/history.csv")), try Data(contentsOf: work.appending("stopped/history.csv")))
    }

    /// A head on a frozen backbone's features: the backbone's features of every view, then
    /// training on them gives the loss falling as with images, and the views follow the
    /// augmentation drawn.
    func testHeadTrainsOnFrozenFeatures() throws {
        let resnet = NetworkConfig(embedding: 8, output: .l2, resnet: ResNetConfig(blocks: [1], widths: [6], stem: .small), hidden: 8)
        let backbone = try Network(config: resnet, inputSide: Self.store.side, seed: 3)
        let augment = AugmentConfig(flip: true, rotate90: false)
        let views = FeatureInputs.views(augment)
        XCTAssertEqual(views, [.identity, ImageBatch.Symmetry(flip: true, quarterTurns: 0)])
        XCTAssertEqual(FeatureInputs.views(AugmentConfig()).count, 8)
        func features(_ rows: [Int], _ view: ImageBatch.Symmetry) -> [Float] {
            let input = FloatBuffer(count: rows.count * Self.store.side * Self.store.side)
            ImageBatch.load(store: Self.store, rows: rows, symmetries: Array(repeating: view, count: rows.count), into: input.pointer)
            return Array(UnsafeBufferPointer(start: backbone.backboneFeatures(input: input.pointer, n: rows.count), count: rows.count * 6))
        }
        let inputs = FeatureInputs(identity: features(Array(0..<Self.store.count), .identity), others: features(Self.split.train, views[1]),
                                   views: views, trainRows: Self.split.train, rows: Self.store.count, width: 6, labels: Self.store.labels)
        // A training row's flipped view is the backbone's features of the flipped image.
        var slot = [Float](repeating: 0, count: 6)
        inputs.load(rows: [Self.split.train[3]], symmetries: [views[1]], into: &slot)
        XCTAssertEqual(slot, features([Self.split.train[3]], views[1]))
        let training = TrainingConfig(epochs: 3, stepsPerEpoch: 6, batch: .triplets(8), optimizer: .adam(lr: 0.01), augment: augment)
        let head = try Trainer(store: inputs, split: Self.split, network: resnet.headOnly, loss: LossConfig(), training: training,
                               seed: 42, workFolder: work.appending("head"),
                               options: TrainerOptions(validationTriplets: 32, validationBatches: 2, centroidImagesPerClass: 8))
        XCTAssertEqual(head.network.layout.parameters.map(\.name), ["hidden.weight", "hidden.bias", "dense.weight", "dense.bias"])
        let result = try head.run()
        XCTAssertEqual(result.history.count, 3)
        XCTAssertLessThan(result.history.last!.trainLoss, result.history.first!.trainLoss)
    }

    func testResumeAfterInterruptionIsBitIdentical() throws {
        try trainer(work.appending("full")).run()
        let first = try trainer(work.appending("resumed")).run(stopAfterEpoch: 1)
        XCTAssertEqual(first.epoch, 1)
        XCTAssertEqual(try Checkpoint.peek(workFolder: work.appending("resumed"))?.epoch, 1)
        XCTAssertNil(try Checkpoint.peek(workFolder: work.appending("nothing-here")))
        XCTAssertFalse(FileManager.default.fileExists(atPath: work.appending("resumed/weights-epoch-3.bin").path))
        // A process killed in epoch 2: a half-written temporary checkpoint and a stale snapshot lie around.
        try Data("partial".utf8).write(to: work.appending("resumed/.checkpoint.bin.tmp-999-1"))
        try Data("stale".utf8).write(to: work.appending("resumed/weights-epoch-2.bin"))
        var progressEpochs = Set<Int>()
        let second = try trainer(work.appending("resumed")).run { progressEpochs.insert($0.epoch) }
        XCTAssertEqual(second.resumedAfterEpoch, 1)
        XCTAssertFalse(FileManager.default.fileExists(atPath: work.appending("resumed/.checkpoint.bin.tmp-999-1").path))
        XCTAssertEqual(progressEpochs, [2, 3])
        XCTAssertEqual(second.history.count, 3)
        for e in [2, 3] {
            XCTAssertEqual(try Data(contentsOf: work.appending("full/weights-epoch-\(e).bin")),
                           try Data(contentsOf: work.appending("resumed/weights-epoch-\(e).bin")), "weights after epoch \(e)")
        }
        XCTAssertEqual(try deterministicHistory(work.appending("full/history.csv")),
                       try deterministicHistory(work.appending("resumed/history.csv")))
        // A finished run resumes to nothing.
        let third = try trainer(work.appending("resumed")).run()
        XCTAssertEqual(third.resumedAfterEpoch, 3)
        // Another configuration's checkpoint is refused, not resumed.
        XCTAssertThrowsError(try trainer(work.appending("resumed"), loss: LossConfig(margin: 0.7)).run())
    }

    func testDivergenceNamesEpochAndStepAndKeepsTheLastCheckpoint() throws {
        var training = config()
        training.optimizer = .sgd(lr: 0.01, momentum: 0.9)
        training.schedule = ScheduleConfig(kind: .step(every: 1, factor: 1e30))
        let plain = NetworkConfig(channels: [8, 16], embedding: 8, output: .linear)
        let t = try trainer(work.url, training: training, network: plain)
        XCTAssertThrowsError(try t.run()) { error in
            guard case let .diverged(epoch, step, _)? = error as? ConvNetError else { return XCTFail("\(error)") }
            XCTAssertEqual(epoch, 2)
            XCTAssert(step >= 1 && step <= 4)
            XCTAssert("\(error)".contains("epoch 2, step \(step)"), "\(error)")
        }
        let data = try Data(contentsOf: t.checkpointURL)
        let (header, sections) = try BlobFile.decode(data, magic: Checkpoint.magic, path: "checkpoint")
        let meta = try BlobFile.decodeJSON(Checkpoint.self, from: header, path: "checkpoint")
        XCTAssertEqual(meta.epoch, 1)
        XCTAssert(sections[0].allSatisfy(\.isFinite))
    }

    func testWeightsFileAndEmbedder() throws {
        let result = try trainer(work.url, epochs: 1).run()
        let url = try XCTUnwrap(result.snapshots.last?.url)
        XCTAssertEqual(url.lastPathComponent, "weights-epoch-1.bin")
        let (loaded, header) = try WeightsFile.read(url)
        XCTAssertEqual(header.network, net)
        XCTAssertEqual(header.epoch, 1)
        XCTAssertEqual(loaded.parameters.array, result.network.parameters.array)
        XCTAssertEqual(loaded.state.array, result.network.state.array)
        let rows = Array(0..<Self.store.count)
        let a = try Embedder(weights: url, batchSize: 50).embed(store: Self.store, rows: rows)
        let b = try Embedder(network: loaded, batchSize: 7).embed(store: Self.store, rows: rows)
        XCTAssertEqual(a.rows, rows.count)
        XCTAssertEqual(a.cols, 8)
        expectClose(a.data, b.data, tolerance: 1e-5, "embeddings do not depend on the batch")
        for r in 0..<a.rows {
            let norm = (0..<8).reduce(Float(0)) { $0 + a[r, $1] * a[r, $1] }
            XCTAssertEqual(norm, 1, accuracy: 1e-5)
        }
        var bytes = try Data(contentsOf: url)
        bytes.removeLast(3)
        XCTAssertThrowsError(try WeightsFile.read(writeTemp(bytes)))
    }

    func writeTemp(_ data: Data) throws -> URL {
        let url = work.appending("broken.bin")
        try data.write(to: url)
        return url
    }

    func testAugmentationIsASymmetryOfTheSquare() {
        let src: [UInt8] = (0..<9).map { UInt8($0 * 20) }
        var seen = Set<[Float]>()
        for flip in [false, true] {
            for turns in 0..<4 {
                var out = [Float](repeating: 0, count: 9)
                src.withUnsafeBufferPointer { ImageBatch.write($0.baseAddress!, side: 3, symmetry: .init(flip: flip, quarterTurns: turns), into: &out) }
                XCTAssertEqual(out.sorted(), src.map { 1 - Float($0) * (1 / 255) }.sorted())
                XCTAssertEqual(out[4], 1 - Float(src[4]) * (1 / 255), "the centre stays")
                seen.insert(out)
            }
        }
        XCTAssertEqual(seen.count, 8)
        let a = ImageBatch.augmentation(AugmentConfig(), count: 16, seed: 1, epoch: 2, step: 3)
        XCTAssertEqual(a, ImageBatch.augmentation(AugmentConfig(), count: 16, seed: 1, epoch: 2, step: 3))
        XCTAssertNotEqual(a, ImageBatch.augmentation(AugmentConfig(), count: 16, seed: 1, epoch: 2, step: 4))
        XCTAssertEqual(ImageBatch.augmentation(AugmentConfig(flip: false, rotate90: false), count: 4, seed: 1, epoch: 1, step: 1),
                       [ImageBatch.Symmetry](repeating: .identity, count: 4))
    }
}
