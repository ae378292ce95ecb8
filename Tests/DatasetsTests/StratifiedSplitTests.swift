import Datasets
import XCTest

final class StratifiedSplitTests: XCTestCase {
    /// Class c has 10 + 5c images, rows interleaved by class.
    func makeLabels(classes: Int) -> [Int] {
        var labels: [Int] = []
        let sizes = (0..<classes).map { 10 + 5 * $0 }
        for i in 0..<sizes.max()! {
            for c in 0..<classes where i < sizes[c] { labels.append(c) }
        }
        return labels
    }

    func testCountsPerClassAndPartition() throws {
        let labels = makeLabels(classes: 3)
        let names = ["a", "b", "c"]
        let split = try StratifiedSplit(validation: .count(3), test: .count(2)).apply(labels: labels, classes: names, seed: 42)
        for c in 0..<3 {
            XCTAssertEqual(split.validation.filter { labels[$0] == c }.count, 3)
            XCTAssertEqual(split.test.filter { labels[$0] == c }.count, 2)
            XCTAssertEqual(split.train.filter { labels[$0] == c }.count, 10 + 5 * c - 5)
        }
        let all = split.train + split.validation + split.test
        XCTAssertEqual(all.sorted(), Array(labels.indices), "every row in exactly one split")
        XCTAssertEqual(split.validation, split.validation.sorted())
        XCTAssert(split.unseen.isEmpty)
    }

    func testFractionsRoundHalfAwayFromZero() throws {
        XCTAssertEqual(SplitAmount.fraction(0.15).resolve(classSize: 90), 14)   // 13.5
        XCTAssertEqual(SplitAmount.fraction(0.15).resolve(classSize: 10), 2)    // 1.5
        XCTAssertEqual(SplitAmount.fraction(0.1).resolve(classSize: 14), 1)     // 1.4
        let labels = makeLabels(classes: 2)   // 10 and 15 images
        let split = try StratifiedSplit(validation: .fraction(0.2), test: .fraction(0.1)).apply(labels: labels, classes: ["a", "b"], seed: 1)
        XCTAssertEqual(split.validation.count, 2 + 3)
        XCTAssertEqual(split.test.count, 1 + 2)    // 1.0 and 1.5
    }

    func testDeterministicAndSeedDependent() throws {
        let labels = makeLabels(classes: 4)
        let names = ["a", "b", "c", "d"]
        let spec = StratifiedSplit(validation: .count(4), test: .count(4))
        let one = try spec.apply(labels: labels, classes: names, seed: 42)
        XCTAssertEqual(one, try spec.apply(labels: labels, classes: names, seed: 42))
        XCTAssertNotEqual(one, try spec.apply(labels: labels, classes: names, seed: 43))
    }

    func testUnseenClassesGoWholeToUnseenAndOthersDoNotMove() throws {
        let labels = makeLabels(classes: 3)
        let names = ["a", "b", "c"]
        let plain = try StratifiedSplit(validation: .count(2), test: .count(2)).apply(labels: labels, classes: names, seed: 7)
        let held = try StratifiedSplit(validation: .count(2), test: .count(2), unseenClasses: ["b"]).apply(labels: labels, classes: names, seed: 7)
        XCTAssertEqual(held.unseen, labels.indices.filter { labels[$0] == 1 })
        XCTAssertFalse((held.train + held.validation + held.test).contains { labels[$0] == 1 })
        // The other classes' splits are keyed by their own names: unchanged.
        XCTAssertEqual(held.validation, plain.validation.filter { labels[$0] != 1 })
        XCTAssertEqual(held.train, plain.train.filter { labels[$0] != 1 })
    }

    func testTooSmallClassIsNamedWithItsCount() {
        let labels = makeLabels(classes: 2)
        XCTAssertThrowsError(try StratifiedSplit(validation: .count(5), test: .count(5)).apply(labels: labels, classes: ["small", "big"], seed: 1)) { error in
            XCTAssertEqual("\(error)", "class 'small' has 10 images, too few for 5 validation + 5 test + at least 1 training image")
        }
    }

    func testBadRequests() {
        let labels = makeLabels(classes: 2)
        XCTAssertThrowsError(try StratifiedSplit(validation: .count(1), test: .count(1), unseenClasses: ["zzz"]).apply(labels: labels, classes: ["a", "b"], seed: 1)) {
            XCTAssert("\($0)".contains("unknown class 'zzz'"), "\($0)")
        }
        XCTAssertThrowsError(try StratifiedSplit(validation: .fraction(1.5), test: .count(1)).apply(labels: labels, classes: ["a", "b"], seed: 1))
        XCTAssertThrowsError(try StratifiedSplit(validation: .count(-1), test: .count(1)).apply(labels: labels, classes: ["a", "b"], seed: 1))
        XCTAssertThrowsError(try StratifiedSplit(validation: .count(1), test: .count(1), unseenClasses: ["a", "b"]).apply(labels: labels, classes: ["a", "b"], seed: 1))
    }
}
