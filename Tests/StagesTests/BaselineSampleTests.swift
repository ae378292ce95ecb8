import XCTest
@testable import Stages

/// The raw-pixel SVM's cap on its fit rows (`evaluate.baseline_svm_rows`).
final class BaselineSampleTests: XCTestCase {
    /// 1,000 rows: class 0 has 700, class 1 has 250, class 2 has 45, class 3 has 5.
    let rows = Array(100..<1100)
    func label(_ r: Int) -> Int { let i = r - 100; return i < 700 ? 0 : i < 950 ? 1 : i < 995 ? 2 : 3 }

    func testProportionalPerClassDeterministicAndInOrder() {
        let a = BaselineStage.sample(rows, labels: label, atMost: 100, seed: 7)
        XCTAssertEqual(a.count, 100)
        XCTAssertEqual(a, a.sorted(), "kept in the split's order")
        var counts = [0, 0, 0, 0]
        for r in a { counts[label(r)] += 1 }
        // Shares 70, 25, 4.5, 0.5: floors 70, 25, 4, 0; the remainders (0.5 and 0.5) go to the
        // lower class first; then class 3 takes one row from the largest quota.
        XCTAssertEqual(counts, [69, 25, 5, 1])
        XCTAssertEqual(BaselineStage.sample(rows, labels: label, atMost: 100, seed: 7), a, "same seed, same rows")
        XCTAssertNotEqual(BaselineStage.sample(rows, labels: label, atMost: 100, seed: 8), a, "another seed, other rows")
        XCTAssertEqual(Set(a).count, 100)
        XCTAssert(a.allSatisfy { rows.contains($0) })
    }

    func testNoCapOrEnoughRoomKeepsEveryRow() {
        XCTAssertEqual(BaselineStage.sample(rows, labels: label, atMost: nil, seed: 1), rows)
        XCTAssertEqual(BaselineStage.sample(rows, labels: label, atMost: 1000, seed: 1), rows)
        XCTAssertEqual(BaselineStage.sample(rows, labels: label, atMost: 999, seed: 1).count, 999)
    }
}
