import Linalg
import Foundation

/// Kernel values computed in bulk: the Gram matrix of dot products by one BLAS dgemm
/// (Double), then the kernel function applied elementwise exactly as libsvm writes it
/// (`powi` for the polynomial, the ||x||² + ||y||² - 2 x·y expansion for the RBF, as its
/// solver uses).
struct KernelMatrix {
    let kernel: SVMConfig.Kernel
    let gamma: Double
    let coef0: Double
    let degree: Int

    /// libsvm's `powi`: base^times by repeated squaring.
    @inline(__always)
    static func powi(_ base: Double, _ times: Int) -> Double {
        var tmp = base, ret = 1.0
        var t = times
        while t > 0 {
            if t % 2 == 1 { ret *= tmp }
            tmp = tmp * tmp
            t /= 2
        }
        return ret
    }

    /// Squared norms of the rows of a row-major n x d Double matrix.
    static func squares(_ x: UnsafePointer<Double>, n: Int, d: Int) -> [Double] {
        (0..<n).map { i in
            var s = 0.0
            for j in 0..<d { s += x[i * d + j] * x[i * d + j] }
            return s
        }
    }

    /// out (m x n) = K(a_i, b_j) for a (m x d) and b (n x d), row-major, with the rows'
    /// squared norms for the RBF.
    func fill(_ out: UnsafeMutablePointer<Double>, a: UnsafePointer<Double>, m: Int, aSquares: UnsafePointer<Double>,
              b: UnsafePointer<Double>, n: Int, bSquares: UnsafePointer<Double>, d: Int) {
        guard m > 0 && n > 0 else { return }
        Gemm.dgemm(transB: true, m: m, n: n, k: d, a: a, lda: d, b: b, ldb: d, c: out, ldc: n)
        switch kernel {
        case .linear:
            break
        case .poly:
            for t in 0..<(m * n) { out[t] = KernelMatrix.powi(gamma * out[t] + coef0, degree) }
        case .rbf:
            for i in 0..<m {
                let row = out + i * n
                let ai = aSquares[i]
                for j in 0..<n { row[j] = exp(-gamma * (ai + bSquares[j] - 2 * row[j])) }
            }
        }
    }
}
