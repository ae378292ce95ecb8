@testable import ConvNet
import Datasets
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
        return (before, result.history.last!.nearestCentroidAccuracy, result.history)
    }

    func testStdTripletAndBatchHardImproveNearestCentroidAccuracy() throws {
        for (loss, batch) in [(LossConfig(variant: .stdTriplet, margin: 0.5), BatchConfig.triplets(16)),
                              (LossConfig(variant: .batchHard, margin: 0.5), BatchConfig.pk(classes: 6, perClass: 6))] {
            let started = Date()
            let (before, after, history) = try learn(loss, batch: batch)
            let line = "\(loss.variant.rawValue): nearest-centroid accuracy \(before) -> \(after) "
                + "(per epoch \(history.map(\.nearestCentroidAccuracy)), val loss \(history.map(\.valLoss))) in \(Date().timeIntervalSince(started)) s"
            print(line)
            XCTAssertGreaterThan(after, before + 0.15, line)
            XCTAssertGreaterThan(after, 0.8, line)
        }
    }
}
