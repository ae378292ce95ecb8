import Foundation

/// The output transforms over (N, D) rows: `l2` (unit sphere), `sigmoid`, `linear`.
public enum OutputLayer {
    /// Smallest norm the l2 transform divides by.
    public static let l2Floor: Float = 1e-12

    /// output = transform(input) row by row.
    /// - Parameters:
    ///   - input: (N, D) dense outputs.
    ///   - output: (N, D), overwritten (may not alias input: backward needs both).
    public static func forward(_ kind: OutputTransform, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, n: Int, d: Int) {
        switch kind {
        case .linear:
            output.update(from: input, count: n * d)
        case .sigmoid:
            for i in 0..<(n * d) { output[i] = 1 / (1 + Foundation.exp(-input[i])) }
        case .l2:
            for r in 0..<n {
                let x = input + r * d, y = output + r * d
                var s: Float = 0
                for j in 0..<d { s += x[j] * x[j] }
                let inv = 1 / max(s.squareRoot(), l2Floor)
                for j in 0..<d { y[j] = x[j] * inv }
            }
        }
    }

    /// dInput (N, D) from dOutput, overwritten (may alias dOutput).
    /// l2: dx = (dy - y (y . dy)) / |x|; sigmoid: dx = dy y (1 - y).
    public static func backward(_ kind: OutputTransform, input: UnsafePointer<Float>, output: UnsafePointer<Float>,
                                dOutput: UnsafePointer<Float>, dInput: UnsafeMutablePointer<Float>, n: Int, d: Int) {
        switch kind {
        case .linear:
            if dInput != UnsafeMutablePointer(mutating: dOutput) { dInput.update(from: dOutput, count: n * d) }
        case .sigmoid:
            for i in 0..<(n * d) { dInput[i] = dOutput[i] * output[i] * (1 - output[i]) }
        case .l2:
            for r in 0..<n {
                let x = input + r * d, y = output + r * d, dy = dOutput + r * d, dx = dInput + r * d
                var s: Float = 0, dot: Float = 0
                for j in 0..<d { s += x[j] * x[j]; dot += y[j] * dy[j] }
                let inv = 1 / max(s.squareRoot(), l2Floor)
                for j in 0..<d { dx[j] = (dy[j] - y[j] * dot) * inv }
            }
        }
    }

    /// Double reference.
    public static func referenceForward(_ kind: OutputTransform, _ x: [Double], n: Int, d: Int) -> [Double] {
        switch kind {
        case .linear: return x
        case .sigmoid: return x.map { 1 / (1 + Foundation.exp(-$0)) }
        case .l2:
            var out = x
            for r in 0..<n {
                let norm = (0..<d).reduce(0.0) { $0 + x[r * d + $1] * x[r * d + $1] }.squareRoot()
                for j in 0..<d { out[r * d + j] = x[r * d + j] / max(norm, 1e-12) }
            }
            return out
        }
    }
}
