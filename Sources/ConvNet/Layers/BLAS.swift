import CBLAS

/// Row-major SGEMM for ConvNet, bit-identical for any OpenBLAS thread count.
///
/// OpenBLAS (0.3.21, on CPUs with AVX-512) sends row-major, non-transposed, alpha = 1,
/// beta = 0 products of moderate size to a "direct" kernel only when it runs on one thread
/// (`sgemm_direct_performant` checks the available threads); the direct kernel sums in a
/// different order from the blocked one, so the same call gave different bits with 1 and 2
/// threads. This wrapper states every product in column-major form (C^T = op(B)^T op(A)^T
/// on the same memory), which never takes that path and is otherwise the very call
/// OpenBLAS makes internally for row-major input.
enum BLAS {
    /// C (m x n) = alpha op(A) op(B) + beta C, all row-major (as `Linalg.Gemm.sgemm`).
    @inline(__always)
    static func sgemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
                      a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                      beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        guard m > 0 && n > 0 else { return }
        cblas_sgemm(CblasColMajor, transB ? CblasTrans : CblasNoTrans, transA ? CblasTrans : CblasNoTrans,
                    Int32(n), Int32(m), Int32(k), alpha, b, Int32(ldb), a, Int32(lda), beta, c, Int32(ldc))
    }
}
