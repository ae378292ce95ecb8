import Dispatch
import Linalg

/// Squared Euclidean distances between the rows of two row-major Float matrices,
/// computed as ||x||² - 2 x·c + ||c||² with the cross term as one GEMM per block of rows.
/// Distances are clamped at 0 (the expansion can go slightly negative in Float).
public enum SquaredDistances {
    /// Squared norms of the n rows of a row-major n x d matrix, accumulated in Double.
    public static func rowNorms(_ x: UnsafePointer<Float>, n: Int, d: Int) -> [Float] {
        var out = [Float](repeating: 0, count: n)
        for i in 0..<n {
            let row = x + i * d
            var s: Float = 0
            for j in 0..<d { s += row[j] * row[j] }
            out[i] = s
        }
        return out
    }

    /// Rows per GEMM block: small enough (128 x k x d under OpenBLAS's threading threshold
    /// for the usual k and d) that each block's GEMM runs on the calling thread, so blocks
    /// can run on several threads without oversubscribing BLAS's own.
    static let blockRows = 128

    /// Calls `body(start, rows, block)` for consecutive blocks of `blockRows` rows of x,
    /// where `block` is the rows x k matrix of x·cᵀ for those rows, on up to `threads`
    /// threads (each row's values do not depend on the thread count).
    static func forEachCrossBlock(_ x: UnsafePointer<Float>, n: Int, d: Int, centers: UnsafePointer<Float>, k: Int,
                                  threads: Int, _ body: (Int, Int, UnsafePointer<Float>) -> Void) {
        let blocks = (n + blockRows - 1) / blockRows
        // One scratch block per worker.
        let workers = max(1, min(threads, blocks))
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: workers * blockRows * k)
        defer { scratch.deallocate() }
        Parallel.forEachChunk(blocks, chunks: blocks, threads: workers) { w, b, _ in
            let cross = scratch + w * blockRows * k
            let start = b * blockRows
            let rows = min(blockRows, n - start)
            Gemm.sgemm(transB: true, m: rows, n: k, k: d, a: x + start * d, lda: d,
                       b: centers, ldb: d, c: cross, ldc: k)
            body(start, rows, cross)
        }
    }

    /// For each of the n rows of `x` (n x d) the nearest of the k rows of `centers`
    /// (k x d) and the squared distance to it (ties go to the lower center index).
    /// - Parameters:
    ///   - xNorms: `rowNorms` of x, when the caller has them already.
    /// - Returns: labels (n values in 0..<k) and squared distances (n values, >= 0).
    public static func nearest(_ x: UnsafePointer<Float>, n: Int, d: Int,
                               centers: UnsafePointer<Float>, k: Int,
                               xNorms: [Float]? = nil, threads: Int = 2) -> (labels: [Int], distances: [Float]) {
        precondition(k > 0, "need at least one center")
        var labels = [Int](repeating: 0, count: n)
        var dist = [Float](repeating: 0, count: n)
        let xn = xNorms ?? rowNorms(x, n: n, d: d)
        let cn = rowNorms(centers, n: k, d: d)
        labels.withUnsafeMutableBufferPointer { lb in
            dist.withUnsafeMutableBufferPointer { db in
                let lp = lb.baseAddress!, dp = db.baseAddress!
                forEachCrossBlock(x, n: n, d: d, centers: centers, k: k, threads: threads) { start, rows, cross in
                    for r in 0..<rows {
                        let row = cross + r * k
                        var best = 0
                        var bestValue = Float.infinity
                        for j in 0..<k {
                            let v = cn[j] - 2 * row[j]
                            if v < bestValue { bestValue = v; best = j }
                        }
                        lp[start + r] = best
                        dp[start + r] = max(0, xn[start + r] + bestValue)
                    }
                }
            }
        }
        return (labels, dist)
    }

    /// The full m x n matrix of squared distances between the rows of `a` (m x d) and of
    /// `b` (n x d), row-major, clamped at 0.
    public static func matrix(_ a: UnsafePointer<Float>, m: Int, _ b: UnsafePointer<Float>, n: Int, d: Int,
                              aNorms: [Float]? = nil, bNorms: [Float]? = nil) -> [Float] {
        var out = [Float](repeating: 0, count: m * n)
        let an = aNorms ?? rowNorms(a, n: m, d: d)
        let bn = bNorms ?? rowNorms(b, n: n, d: d)
        out.withUnsafeMutableBufferPointer { ob in
            Gemm.sgemm(transB: true, m: m, n: n, k: d, alpha: -2, a: a, lda: d, b: b, ldb: d,
                       c: ob.baseAddress!, ldc: n)
            for i in 0..<m {
                let row = ob.baseAddress! + i * n
                for j in 0..<n { row[j] = max(0, row[j] + an[i] + bn[j]) }
            }
        }
        return out
    }

    /// The exact squared distance between two d-vectors, accumulated in Double.
    @inline(__always)
    public static func exact(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, d: Int) -> Double {
        var s: Double = 0
        for j in 0..<d {
            let t = Double(a[j]) - Double(b[j])
            s += t * t
        }
        return s
    }
}
