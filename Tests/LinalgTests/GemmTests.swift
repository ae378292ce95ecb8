import Linalg
import TestSupport
import XCTest

final class GemmTests: XCTestCase {
    /// A matrix of uniform values in [-1, 1) from a named stream.
    func randomMatrix(_ rows: Int, _ cols: Int, _ label: String) -> Matrix {
        var rng = RandomStream(seed: 7, "gemm-test", label)
        return Matrix(rows: rows, cols: cols, data: (0..<(rows * cols)).map { _ in rng.uniform(-1, 1) })
    }

    func testSmallProductIsExact() {
        let a = Matrix([[1, 2, 3], [4, 5, 6]])
        let b = Matrix([[7, 8], [9, 10], [11, 12]])
        XCTAssertEqual((a * b).data, [58, 64, 139, 154])
    }

    func testBlasMatchesReferenceForEveryTransposeCombination() {
        for (m, n, k) in [(1, 1, 1), (7, 5, 3), (33, 17, 65), (64, 64, 64), (3, 129, 300)] {
            for transA in [false, true] {
                for transB in [false, true] {
                    let a = transA ? randomMatrix(k, m, "a\(m)") : randomMatrix(m, k, "a\(m)")
                    let b = transB ? randomMatrix(n, k, "b\(n)") : randomMatrix(k, n, "b\(n)")
                    let c0 = randomMatrix(m, n, "c")
                    var fast = c0
                    var slow = c0
                    Gemm.multiply(a, b, transA: transA, transB: transB, alpha: 0.75, beta: -0.5, into: &fast)
                    Gemm.multiply(a, b, transA: transA, transB: transB, alpha: 0.75, beta: -0.5, into: &slow,
                                  reference: true)
                    // Each element sums k products of values in [-1, 1): Float rounding grows like sqrt(k) * eps.
                    expectClose(fast.data, slow.data, tolerance: 1e-5 * Float(k).squareRoot() * 4,
                                "m=\(m) n=\(n) k=\(k) transA=\(transA) transB=\(transB)")
                }
            }
        }
    }

    func testEmptyInnerDimensionScalesByBeta() {
        var c = Matrix(rows: 2, cols: 2, data: [1, 2, 3, 4])
        Gemm.multiply(Matrix(rows: 2, cols: 0), Matrix(rows: 0, cols: 2), beta: 2, into: &c)
        XCTAssertEqual(c.data, [2, 4, 6, 8])
    }

    func testTransposeAndRowAccess() {
        let a = Matrix([[1, 2, 3], [4, 5, 6]])
        XCTAssertEqual(a.transposed, Matrix([[1, 4], [2, 5], [3, 6]]))
        XCTAssertEqual(a.row(1), [4, 5, 6])
        XCTAssertEqual(a[1, 2], 6)
    }
}
