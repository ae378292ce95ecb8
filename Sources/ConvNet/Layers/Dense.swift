import Linalg

/// Fully connected layer: output = input * weight + bias.
/// Weight (Cin, Cout) row-major, bias (Cout).
public enum Dense {
    /// - Parameters:
    ///   - input: (N, Cin).
    ///   - output: (N, Cout), overwritten.
    public static func forward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                               output: UnsafeMutablePointer<Float>, n: Int, cin: Int, cout: Int) {
        for r in 0..<n { (output + r * cout).update(from: bias, count: cout) }
        Gemm.sgemm(m: n, n: cout, k: cin, a: input, lda: cin, b: weight, ldb: cout, beta: 1, c: output, ldc: cout)
    }

    /// Accumulates dWeight (Cin, Cout) and dBias (Cout); overwrites dInput (N, Cin) when given.
    public static func backward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, dOutput: UnsafePointer<Float>,
                                dWeight: UnsafeMutablePointer<Float>, dBias: UnsafeMutablePointer<Float>,
                                dInput: UnsafeMutablePointer<Float>?, n: Int, cin: Int, cout: Int) {
        for r in 0..<n {
            for c in 0..<cout { dBias[c] += dOutput[r * cout + c] }
        }
        Gemm.sgemm(transA: true, m: cin, n: cout, k: n, a: input, lda: cin, b: dOutput, ldb: cout,
                   beta: 1, c: dWeight, ldc: cout)
        if let dInput {
            Gemm.sgemm(transB: true, m: n, n: cin, k: cout, a: dOutput, lda: cout, b: weight, ldb: cout,
                       beta: 0, c: dInput, ldc: cin)
        }
    }

    /// Double reference.
    public static func referenceForward(_ x: [Double], weight: [Double], bias: [Double], n: Int, cin: Int, cout: Int) -> [Double] {
        var out = [Double](repeating: 0, count: n * cout)
        for r in 0..<n { for c in 0..<cout {
            var s = bias[c]
            for i in 0..<cin { s += x[r * cin + i] * weight[i * cout + c] }
            out[r * cout + c] = s
        } }
        return out
    }
}
