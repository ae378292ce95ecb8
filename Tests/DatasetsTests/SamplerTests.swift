import Datasets
import XCTest

final class SamplerTests: XCTestCase {
    /// 4 classes: sizes 2, 3, 5, 1; rows 0..<11.
    let labels = [0, 0, 1, 1, 1, 2, 2, 2, 2, 2, 3]
    var index: ClassIndex { ClassIndex(rows: Array(labels.indices), labels: labels) }

    func testTripletsAreValid() throws {
        let sampler = try TripletSampler(index: index, seed: 42)
        for step in 0..<50 {
            for t in sampler.batch(epoch: 1, step: step, count: 16) {
                XCTAssertEqual(labels[t.anchor], labels[t.positive])
                XCTAssertNotEqual(t.anchor, t.positive)
                XCTAssertNotEqual(labels[t.anchor], labels[t.negative])
                XCTAssertNotEqual(labels[t.anchor], 3, "a class of one image cannot be an anchor class")
            }
        }
    }

    func testTripletBatchesDependOnlyOnSeedEpochStep() throws {
        let a = try TripletSampler(index: index, seed: 42)
        let b = try TripletSampler(index: index, seed: 42)
        _ = (0..<10).map { a.batch(epoch: 0, step: $0, count: 8) }
        XCTAssertEqual(a.batch(epoch: 3, step: 7, count: 8), b.batch(epoch: 3, step: 7, count: 8))
        XCTAssertNotEqual(a.batch(epoch: 3, step: 7, count: 8), a.batch(epoch: 3, step: 8, count: 8))
        XCTAssertNotEqual(a.batch(epoch: 3, step: 7, count: 8), a.batch(epoch: 4, step: 7, count: 8))
        let c = try TripletSampler(index: index, seed: 43)
        XCTAssertNotEqual(a.batch(epoch: 3, step: 7, count: 8), c.batch(epoch: 3, step: 7, count: 8))
        let v = try TripletSampler(index: index, seed: 42, label: "validation-triplets")
        XCTAssertNotEqual(a.batch(epoch: 3, step: 7, count: 8), v.batch(epoch: 3, step: 7, count: 8))
    }

    func testTripletAnchorClassIsUniform() throws {
        // Anchor classes 0, 1, 2 (class 3 has one image): each about a third of 30,000 draws.
        let sampler = try TripletSampler(index: index, seed: 1)
        var counts = [0, 0, 0, 0]
        for step in 0..<300 { for t in sampler.batch(epoch: 0, step: step, count: 100) { counts[labels[t.anchor]] += 1 } }
        XCTAssertEqual(counts[3], 0)
        for c in 0..<3 { XCTAssertEqual(Double(counts[c]) / 30_000, 1.0 / 3, accuracy: 0.02, "\(counts)") }
    }

    func testTripletSamplerNeedsTwoClasses() {
        XCTAssertThrowsError(try TripletSampler(index: ClassIndex(rows: [0, 1], labels: [0, 0]), seed: 1))
        XCTAssertThrowsError(try TripletSampler(index: ClassIndex(rows: [0, 1], labels: [0, 1]), seed: 1))
    }

    func testPKBatchesHavePDistinctClassesOfKEach() throws {
        let sampler = try PKSampler(index: index, seed: 42, classesPerBatch: 3, perClass: 4)
        for step in 0..<40 {
            let (rows, batchLabels) = sampler.batch(epoch: 2, step: step)
            XCTAssertEqual(rows.count, 12)
            XCTAssertEqual(batchLabels, rows.map { labels[$0] })
            let classes = stride(from: 0, to: 12, by: 4).map { batchLabels[$0] }
            XCTAssertEqual(Set(classes).count, 3)
            for g in 0..<3 {
                let group = Array(rows[(g * 4)..<(g * 4 + 4)])
                XCTAssert(group.allSatisfy { labels[$0] == classes[g] })
                // Class 2 has 5 images >= K: no repeats. Smaller classes use all their images.
                let size = labels.filter { $0 == classes[g] }.count
                XCTAssertEqual(Set(group).count, min(size, 4))
            }
        }
        XCTAssertEqual(sampler.batch(epoch: 5, step: 1).rows,
                       try PKSampler(index: index, seed: 42, classesPerBatch: 3, perClass: 4).batch(epoch: 5, step: 1).rows)
        XCTAssertThrowsError(try PKSampler(index: index, seed: 42, classesPerBatch: 5, perClass: 4))
        XCTAssertThrowsError(try PKSampler(index: index, seed: 42, classesPerBatch: 2, perClass: 1))
    }
}
