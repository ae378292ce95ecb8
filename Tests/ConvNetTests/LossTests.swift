@testable import ConvNet
import Linalg
import TestSupport
import XCTest

final class LossTests: XCTestCase {
    let d = 4

    /// A triplet batch of 5 triplets and a P x K batch of 3 classes x 3 images.
    var tripletBatch: LossBatch { .triplets(anchorLabels: [0, 1, 2, 0, 1], negativeLabels: [1, 2, 0, 2, 0]) }
    var pkBatch: LossBatch { .labeled([0, 0, 0, 1, 1, 1, 2, 2, 2]) }

    func check(_ variant: LossVariant, soft: Bool = false, margin: Float = 0.5, distance: LossDistance? = nil,
               batch: LossBatch, label: String) {
        let loss = TripletLoss(LossConfig(variant: variant, margin: margin, softMargin: soft, distance: distance))
        let x = randomDoubles(batch.rows * d, "loss-\(label)", lo: -0.8, hi: 0.8)
        let (value, g) = loss.evaluate(x, d: d, batch: batch)
        XCTAssert(value.isFinite && value >= 0, "\(label): loss \(value)")
        let fd = numericGradient({ loss.evaluate($0, d: d, batch: batch, wantGradient: false).loss }, at: x, h: 1e-7)
        assertGradient(g, fd, tolerance: 1e-5, "\(label) gradient")
        XCTAssert(g.contains { $0 != 0 }, "\(label): an all-zero gradient checks nothing")
        // The Float entry point agrees with the Double core.
        var gf = [Float](repeating: 0, count: x.count)
        let vf = loss.compute(embeddings: floats(x), d: d, batch: batch, gradient: &gf)
        XCTAssertEqual(Double(vf), value, accuracy: 1e-4 * max(1, value))
        expectClose(gf, floats(g), tolerance: 1e-5, relative: 1e-4)
    }

    func testEveryVariantPassesAGradientCheck() {
        check(.stdTriplet, margin: 1.5, batch: tripletBatch, label: "std_triplet")
        check(.stdTriplet, soft: true, batch: tripletBatch, label: "std_triplet soft")
        check(.altTriplet, margin: 2, batch: tripletBatch, label: "alt_triplet")
        check(.geomTriplet, batch: tripletBatch, label: "geom_triplet")
        check(.stdTriplet, margin: 1.5, batch: pkBatch, label: "std_triplet on every triplet of a P x K batch")
        check(.altTriplet, margin: 2, batch: pkBatch, label: "alt_triplet pk")
        check(.geomTriplet, batch: pkBatch, label: "geom_triplet pk")
        check(.semiHard, margin: 1, batch: pkBatch, label: "semi_hard")
        check(.batchHard, margin: 1, batch: pkBatch, label: "batch_hard")
        check(.batchHard, soft: true, batch: pkBatch, label: "batch_hard soft")
        check(.batchAll, margin: 1, batch: pkBatch, label: "batch_all")
        check(.batchAll, soft: true, batch: pkBatch, label: "batch_all soft")
        check(.contrastive, margin: 1.5, batch: pkBatch, label: "contrastive pk")
        check(.contrastive, margin: 1.5, batch: tripletBatch, label: "contrastive triplets")
        check(.batchHard, margin: 1, batch: tripletBatch, label: "batch_hard on a triplet batch")
        check(.batchHard, margin: 1, distance: .squared, batch: pkBatch, label: "batch_hard squared")
        check(.batchAll, margin: 0.5, distance: .squared, batch: pkBatch, label: "batch_all squared")
        check(.stdTriplet, margin: 0.5, distance: .euclidean, batch: tripletBatch, label: "std_triplet euclidean")
        check(.semiHard, margin: 0.5, distance: .euclidean, batch: pkBatch, label: "semi_hard euclidean")
    }

    /// Hand-computed values on 1-D embeddings.
    func testKnownValues() {
        // a = 0, p = 1, n = 1.5: d+ = 1, d- = 2.25.
        let x: [Double] = [0, 1, 1.5]
        let batch = LossBatch.triplets(anchorLabels: [0], negativeLabels: [1])
        func value(_ v: LossVariant, _ m: Float) -> Double { TripletLoss(LossConfig(variant: v, margin: m)).evaluate(x, d: 1, batch: batch).loss }
        XCTAssertEqual(value(.stdTriplet, 2), 0.75, accuracy: 1e-12)
        XCTAssertEqual(value(.stdTriplet, 1), 0, accuracy: 1e-12)
        XCTAssertEqual(value(.altTriplet, 3), 1 + 0.75, accuracy: 1e-12)
        XCTAssertEqual(value(.altTriplet, 2), 1, accuracy: 1e-12)
        XCTAssertEqual(value(.geomTriplet, 5), 1 + 5 / (2.25 + TripletLoss.geomEpsilon), accuracy: 1e-12)
        XCTAssertEqual(value(.contrastive, 2), (1 + (2 - 1.5) * (2 - 1.5)) / 2, accuracy: 1e-9)

        // Batch hard on 1-D points: class 0 at {0, 1}, class 1 at {3, 2}.
        let pk: [Double] = [0, 1, 3, 2]
        let labels = LossBatch.labeled([0, 0, 1, 1])
        let hard = TripletLoss(LossConfig(variant: .batchHard, margin: 1, distance: .squared)).evaluate(pk, d: 1, batch: labels).loss
        // anchors: 0: d+ 1, d- 4 -> 0; 1: d+ 1, d- 1 -> 1; 3: d+ 1, d- 4 -> 0; 2: d+ 1, d- 1 -> 1.
        XCTAssertEqual(hard, 0.5, accuracy: 1e-12)
        let all = TripletLoss(LossConfig(variant: .batchAll, margin: 1, distance: .squared)).evaluate(pk, d: 1, batch: labels).loss
        // Active triplets: (1,0,2): 1-4+1=-2 no; (1,0,3): 1-1+1 = 1 yes; (2,3,0)... (3,2,1): 1-1+1 = 1 yes; others negative.
        XCTAssertEqual(all, 1, accuracy: 1e-12)
        // Semi-hard: pair (1 -> 0): d+ 1, negatives d 4 (at 3) and 1 (at 2): none > 1 except 4 -> n = 3: 1-4+1 < 0.
        let semi = TripletLoss(LossConfig(variant: .semiHard, margin: 1)).evaluate(pk, d: 1, batch: labels).loss
        XCTAssertEqual(semi, 0, accuracy: 1e-12)
        // Euclidean batch hard (the default for batch_hard): anchors 1 and 2 have d+ = 1, d- = 1.
        let euclid = TripletLoss(LossConfig(variant: .batchHard, margin: 1)).evaluate(pk, d: 1, batch: labels).loss
        XCTAssertEqual(euclid, 0.5, accuracy: 1e-9)
        XCTAssertEqual(LossConfig(variant: .batchHard).resolvedDistance, .euclidean)
        XCTAssertEqual(LossConfig(variant: .stdTriplet).resolvedDistance, .squared)
    }

    /// A positive pair without a semi-hard negative takes the farthest negative (TensorFlow
    /// Addons' `triplet_semihard_loss`), or the closest with `.smallest`.
    func testSemiHardFallback() {
        // 1-D points: class 0 at 0 and 3, class 1 at 1 and 2; squared distances, margin 1.
        // (0 -> 3): d+ 9, negatives at d 1 and 4, none beyond 9: largest 9 - 4 + 1 = 6,
        // smallest 9 - 1 + 1 = 9; (3 -> 0) the same by symmetry. Class 1's pairs: d+ 1,
        // semi-hard negative at d 4: 1 - 4 + 1 < 0. Mean over the 4 pairs.
        let x: [Double] = [0, 3, 1, 2], batch = LossBatch.labeled([0, 0, 1, 1])
        func loss(_ fallback: SemiHardFallback) -> Double {
            TripletLoss(LossConfig(variant: .semiHard, margin: 1, semiHardFallback: fallback)).evaluate(x, d: 1, batch: batch).loss
        }
        XCTAssertEqual(loss(.largest), 12.0 / 4, accuracy: 1e-12)
        XCTAssertEqual(loss(.smallest), 18.0 / 4, accuracy: 1e-12)
        XCTAssertEqual(LossConfig(variant: .semiHard).semiHardFallback, .largest)
    }

    /// std_triplet on a P x K batch is the mean over every valid triplet; batch_all the mean
    /// over the active ones.
    func testTripletVariantsOnAPKBatchAverageEveryTriplet() {
        // 1-D points: class 0 at 0 and 1, class 1 at 3 and 3.5. Squared distances.
        let x: [Double] = [0, 1, 3, 3.5], batch = LossBatch.labeled([0, 0, 1, 1])
        // (a, p, n): (0,1,2): 1-9, (0,1,3): 1-12.25, (1,0,2): 1-4, (1,0,3): 1-6.25,
        // (2,3,0): .25-9, (2,3,1): .25-4, (3,2,0): .25-12.25, (3,2,1): .25-6.25; margin 5.
        let deltas: [Double] = [-8, -11.25, -3, -5.25, -8.75, -3.75, -12, -6]
        let terms = deltas.map { max($0 + 5, 0) }
        let std = TripletLoss(LossConfig(variant: .stdTriplet, margin: 5)).evaluate(x, d: 1, batch: batch).loss
        XCTAssertEqual(std, terms.reduce(0, +) / 8, accuracy: 1e-12)
        let all = TripletLoss(LossConfig(variant: .batchAll, margin: 5, distance: .squared)).evaluate(x, d: 1, batch: batch).loss
        XCTAssertEqual(all, terms.reduce(0, +) / Double(terms.filter { $0 > 0 }.count), accuracy: 1e-12)
    }

    func testEachVariantTrainsOnItsBatchShape() {
        XCTAssertNoThrow(try TripletLoss(LossConfig(variant: .stdTriplet)).validate(batch: .pk(classes: 4, perClass: 4)))
        XCTAssertThrowsError(try TripletLoss(LossConfig(variant: .batchHard)).validate(batch: .triplets(8)))
        XCTAssertNoThrow(try TripletLoss(LossConfig(variant: .batchHard)).validate(batch: .pk(classes: 4, perClass: 4)))
        XCTAssertNoThrow(try TripletLoss(LossConfig(variant: .contrastive)).validate(batch: .triplets(8)))
        XCTAssertNoThrow(try TripletLoss(LossConfig(variant: .contrastive)).validate(batch: .pk(classes: 4, perClass: 4)))
        XCTAssertThrowsError(try TripletLoss(LossConfig(variant: .altTriplet, softMargin: true)).validate(batch: .triplets(8)))
        XCTAssertNoThrow(try TripletLoss(LossConfig(variant: .stdTriplet, softMargin: true)).validate(batch: .triplets(8)))
        XCTAssertEqual(LossVariant(rawValue: "semi_hard"), .semiHard)
        XCTAssertEqual(LossVariant.allCases.map(\.rawValue),
                       ["std_triplet", "alt_triplet", "geom_triplet", "semi_hard", "batch_hard", "batch_all", "contrastive"])
    }
}
