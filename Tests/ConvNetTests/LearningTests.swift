@testable import ConvNet
import Datasets
import Linalg
import Foundation
import TestSupport
import XCTest

/// Training must clearly beat the untrained network on held-out shapes within seconds.
final class LearningTests: XCTestCase {
    func learn(_ loss: LossConfig, batch: BatchConfig, lr: Float = 0.003) throws -> (before: Float, after: Float, history: [EpochSummary]) {
        let dir = try TemporaryDirectory("krill-learning")
        defer { dir.remove() }
        let store = try SyntheticShapes.store(in: dir.appending("store"), classes: 6, perClass: 40, side: 20, seed: 3)
        let split = try SyntheticShapes.split(store, validation: 12, seed: 3)
        let net = NetworkConfig(channels: [16, 32, 32], embedding: 16, output: .l2)
        let training = TrainingConfig(epochs: 4, stepsPerEpoch: 12, batch: batch, optimizer: .adam(lr: lr), snapshots: [])
        let trainer = try Trainer(store: store, split: split, network: net, loss: loss, training: training, seed: 1,
                                  workFolder: dir.appending("work"))
        let before = Float(try trainer.evaluate().summary.nearestCentroidAccuracy)
        let result = try trainer.run()
        return (before, result.history.last!.monitorNearestCentroidAccuracy, result.history)
    }

    /// Larger figures for the notes (opt-in: KRILL_LEARNING_FIGURES=1): the reference network
    /// on 12 classes of 64 px shapes, std_triplet and batch_hard, against raw pixels.
    func testReferenceNetworkLearningFigures() throws {
        guard let spec = ProcessInfo.processInfo.environment["KRILL_LEARNING_FIGURES"] else { return }
        let parts = spec.split(separator: ",").compactMap { Int($0) }
        let epochs = parts.count > 0 ? parts[0] : 5, steps = parts.count > 1 ? parts[1] : 50
        let dir = try TemporaryDirectory("krill-learning-figures")
        defer { dir.remove() }
        let store = try SyntheticShapes.store(in: dir.appending("store"), classes: 12, perClass: 200, side: 64, seed: 5)
        let split = try SyntheticShapes.split(store, validation: 40, seed: 5)
        // Raw-pixel baselines: nearest centroid (same centroid sample as the trainer) and 1-NN over all training images.
        let pixels = { (rows: [Int]) -> Matrix in
            var m = Matrix(rows: rows.count, cols: 64 * 64)
            m.data.withUnsafeMutableBufferPointer { ImageBatch.load(store: store, rows: rows, into: $0.baseAddress!) }
            return m
        }
        let probe = try Trainer(store: store, split: split, network: NetworkConfig(), loss: LossConfig(), training: TrainingConfig(epochs: 1),
                                seed: 1, workFolder: dir.appending("probe"))
        let centroidRows = probe.centroidRows
        let raw = CentroidSummary.compute(reference: pixels(centroidRows), referenceLabels: centroidRows.map { store.labels[$0] },
                                          evaluation: pixels(split.validation), evaluationLabels: split.validation.map { store.labels[$0] })
        let train = pixels(split.train), val = pixels(split.validation)
        // 1-NN by |v|^2 - 2 v.t + |t|^2 with one GEMM (the test target itself is not optimised).
        var dots = Matrix(rows: val.rows, cols: train.rows)
        Gemm.multiply(val, train, transB: true, into: &dots)
        let trainNorms = (0..<train.rows).map { j in train.data[(j * 4096)..<((j + 1) * 4096)].reduce(Float(0)) { $0 + $1 * $1 } }
        var correct = 0
        for i in 0..<val.rows {
            var best = 0, bestD = Float.infinity
            for j in 0..<train.rows {
                let d = trainNorms[j] - 2 * dots[i, j]
                if d < bestD { bestD = d; best = j }
            }
            if store.labels[split.train[best]] == store.labels[split.validation[i]] { correct += 1 }
        }
        print("raw pixels: nearest-centroid accuracy \(raw.nearestCentroidAccuracy), 1-NN accuracy \(Double(correct) / Double(val.rows))")
        for (loss, batch) in [(LossConfig(variant: .stdTriplet), BatchConfig.triplets(32)),
                              (LossConfig(variant: .batchHard), BatchConfig.pk(classes: 12, perClass: 8))] {
            let training = TrainingConfig(epochs: epochs, stepsPerEpoch: steps, batch: batch, optimizer: .adam(lr: 0.001), snapshots: [])
            let trainer = try Trainer(store: store, split: split, network: NetworkConfig(), loss: loss, training: training, seed: 1,
                                      workFolder: dir.appending(loss.variant.rawValue))
            let before = try trainer.evaluate().summary.nearestCentroidAccuracy
            print("\(loss.variant.rawValue): untrained nearest-centroid accuracy \(before)")
            let started = Date()
            try trainer.run { p in if p.step == p.steps { print("  epoch \(p.epoch) done after \(Int(Date().timeIntervalSince(started))) s") } }
            print(try String(contentsOf: trainer.historyURL, encoding: .utf8))
        }
    }

    func testStdTripletAndBatchHardImproveNearestCentroidAccuracy() throws {
        for (loss, batch) in [(LossConfig(variant: .stdTriplet, margin: 0.5), BatchConfig.triplets(16)),
                              (LossConfig(variant: .batchHard, margin: 0.5), BatchConfig.pk(classes: 6, perClass: 6))] {
            let started = Date()
            let (before, after, history) = try learn(loss, batch: batch)
            let line = "\(loss.variant.rawValue): nearest-centroid accuracy \(before) -> \(after) "
                + "(per epoch \(history.map(\.monitorNearestCentroidAccuracy)), val loss \(history.map(\.valLoss))) in \(Date().timeIntervalSince(started)) s"
            print(line)
            XCTAssertGreaterThan(after, before + 0.15, line)
            XCTAssertGreaterThan(after, 0.8, line)
        }
    }
}
