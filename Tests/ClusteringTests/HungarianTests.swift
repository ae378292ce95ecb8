import XCTest
import Linalg
@testable import Clustering

final class HungarianTests: XCTestCase {
    /// Best total over all injective row -> column maps (rows <= cols), by brute force.
    private func bruteForceMin(_ cost: [Double], rows: Int, cols: Int) -> Double {
        var best = Double.infinity
        var used = [Bool](repeating: false, count: cols)
        func go(_ i: Int, _ acc: Double) {
            if i == rows { best = min(best, acc); return }
            for j in 0..<cols where !used[j] {
                used[j] = true
                go(i + 1, acc + cost[i * cols + j])
                used[j] = false
            }
        }
        go(0, 0)
        return best
    }

    private func total(_ cost: [Double], cols: Int, _ assignment: [Int]) -> Double {
        assignment.enumerated().reduce(0) { $0 + ($1.element >= 0 ? cost[$1.offset * cols + $1.element] : 0) }
    }

    func testOptimalAgainstBruteForceSquareAndRectangular() {
        var random = RandomStream(seed: 7, "hungarian-test")
        var cases = 0
        for rows in 1...7 {
            for cols in 1...7 {
                for trial in 0..<3 {
                    // Small integer costs make ties common, which is where bugs hide.
                    let cost = (0..<(rows * cols)).map { _ in Double(trial == 0 ? random.below(4) : random.below(100)) }
                    let assignment = Hungarian.minimize(cost, rows: rows, cols: cols)
                    XCTAssertEqual(assignment.count, rows)
                    let assignedColumns = assignment.filter { $0 >= 0 }
                    XCTAssertEqual(assignedColumns.count, min(rows, cols), "every row or column used")
                    XCTAssertEqual(Set(assignedColumns).count, assignedColumns.count, "columns used once")
                    let expected: Double
                    if rows <= cols {
                        expected = bruteForceMin(cost, rows: rows, cols: cols)
                    } else {
                        var t = [Double](repeating: 0, count: rows * cols)
                        for i in 0..<rows { for j in 0..<cols { t[j * rows + i] = cost[i * cols + j] } }
                        expected = bruteForceMin(t, rows: cols, cols: rows)
                    }
                    XCTAssertEqual(total(cost, cols: cols, assignment), expected, accuracy: 1e-9, "\(rows)x\(cols) trial \(trial)")
                    cases += 1
                }
            }
        }
        XCTAssertEqual(cases, 147)
    }

    func testMaximizeOnKnownMatrix() {
        // The maximum pairs (0,1), (1,0), (2,2): 9 + 8 + 7 = 24.
        let w: [Double] = [1, 9, 2,
                           8, 7, 1,
                           3, 2, 7]
        XCTAssertEqual(Hungarian.maximize(w, rows: 3, cols: 3), [1, 0, 2])
    }
}
