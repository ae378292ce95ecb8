import CBLAS

/// General matrix multiply, C = alpha * op(A) * op(B) + beta * C, over row-major
/// Float buffers. `sgemm` calls OpenBLAS; `referenceSgemm` is the naive triple loop
/// with the same signature that tests compare it against.
public enum Gemm {
    /// C (m x n) = alpha * op(A) (m x k) * op(B) (k x n) + beta * C, all row-major.
    /// - Parameters:
    ///   - transA: use Aᵀ: A is stored k x m.
    ///   - transB: use Bᵀ: B is stored n x k.
    ///   - lda, ldb, ldc: row strides in elements of the stored matrices.
    @inline(__always)
    public static func sgemm(
        transA: Bool = false, transB: Bool = false,
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0 && n > 0 else { return }
        cblas_sgemm(CblasRowMajor,
                    transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha,
                    a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// The naive reference for `sgemm`: same arguments, same meaning, a plain triple loop
    /// that accumulates in Double.
    public static func referenceSgemm(
        transA: Bool = false, transB: Bool = false,
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        for i in 0..<m {
            for j in 0..<n {
                var sum: Double = 0
                for p in 0..<k {
                    let av = transA ? a[p * lda + i] : a[i * lda + p]
                    let bv = transB ? b[j * ldb + p] : b[p * ldb + j]
                    sum += Double(av) * Double(bv)
                }
                let prior = beta == 0 ? 0 : Double(beta) * Double(c[i * ldc + j])
                c[i * ldc + j] = Float(Double(alpha) * sum + prior)
            }
        }
    }

    /// `out = alpha * op(a) * op(b) + beta * out` on `Matrix` values.
    public static func multiply(_ a: Matrix, _ b: Matrix, transA: Bool = false, transB: Bool = false,
                                alpha: Float = 1, beta: Float = 0, into out: inout Matrix,
                                reference: Bool = false) {
        let m = transA ? a.cols : a.rows
        let k = transA ? a.rows : a.cols
        let kb = transB ? b.cols : b.rows
        let n = transB ? b.rows : b.cols
        precondition(k == kb, "inner dimensions differ: \(k) vs \(kb)")
        precondition(out.rows == m && out.cols == n, "output is \(out.rows)x\(out.cols), product is \(m)x\(n)")
        if m == 0 || n == 0 { return }
        if k == 0 {
            for i in out.data.indices { out.data[i] *= beta }
            return
        }
        let f = reference ? referenceSgemm : sgemm
        a.data.withUnsafeBufferPointer { ap in
            b.data.withUnsafeBufferPointer { bp in
                out.data.withUnsafeMutableBufferPointer { cp in
                    f(transA, transB, m, n, k, alpha, ap.baseAddress!, a.cols, bp.baseAddress!, b.cols,
                      beta, cp.baseAddress!, n)
                }
            }
        }
    }
}
