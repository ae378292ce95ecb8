import CBLAS

/// General matrix multiply, C = alpha * op(A) * op(B) + beta * C, over row-major
/// buffers. `sgemm` and `dgemm` call OpenBLAS; `referenceSgemm` is the naive triple loop
/// with the same signature that tests compare it against.
///
/// Bit-stable across thread counts. OpenBLAS's own threading is not (with 2 threads it
/// splits the K dimension of some products differently from 1 thread), so krill keeps
/// BLAS on one thread (`useSingleThreadedBLAS`, `withSingleThreadedBLAS`) and parallelises
/// over fixed chunks itself (`Parallel`). And OpenBLAS (0.3.21, CPUs with AVX-512) sends
/// row-major, non-transposed, alpha = 1, beta = 0 products of moderate size to a "direct"
/// kernel only when it runs on one thread; that kernel sums in another order. So every
/// product is stated in column-major form (Cᵀ = op(B)ᵀ op(A)ᵀ on the same memory): the very
/// call OpenBLAS makes internally for row-major input, without that path.
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
        cblas_sgemm(CblasColMajor, transB ? CblasTrans : CblasNoTrans, transA ? CblasTrans : CblasNoTrans,
                    Int32(n), Int32(m), Int32(k), alpha, b, Int32(ldb), a, Int32(lda), beta, c, Int32(ldc))
    }

    /// `sgemm` in Double (the SVM's kernel matrices), stated the same way.
    @inline(__always)
    public static func dgemm(
        transA: Bool = false, transB: Bool = false,
        m: Int, n: Int, k: Int, alpha: Double = 1,
        a: UnsafePointer<Double>, lda: Int,
        b: UnsafePointer<Double>, ldb: Int,
        beta: Double = 0,
        c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        guard m > 0 && n > 0 else { return }
        cblas_dgemm(CblasColMajor, transB ? CblasTrans : CblasNoTrans, transA ? CblasTrans : CblasNoTrans,
                    Int32(n), Int32(m), Int32(k), alpha, b, Int32(ldb), a, Int32(lda), beta, c, Int32(ldc))
    }

    /// Sets OpenBLAS to one thread for the rest of the process (the command line does this
    /// once at start: all of krill's parallelism is its own, over fixed chunks).
    public static func useSingleThreadedBLAS() { openblas_set_num_threads(1) }

    /// Runs `body` with OpenBLAS on one thread, restoring the previous setting after
    /// (library callers and benchmarks; a no-op when BLAS is single-threaded already).
    public static func withSingleThreadedBLAS<T>(_ body: () throws -> T) rethrows -> T {
        let saved = openblas_get_num_threads()
        if saved != 1 { openblas_set_num_threads(1) }
        defer { if saved != 1 { openblas_set_num_threads(saved) } }
        return try body()
    }

    /// OpenBLAS's current thread count.
    public static var blasThreads: Int { Int(openblas_get_num_threads()) }

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
