/// Global average pool: (N, H, W, C) -> (N, C), the mean over the H W positions.
public enum GlobalAveragePool {
    /// - Parameters:
    ///   - input: (N, H W, C).
    ///   - output: (N, C), overwritten.
    ///   - spatial: H W.
    public static func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                               images: Range<Int>, spatial: Int, c: Int) {
        let scale = 1 / Float(spatial)
        for b in images {
            let out = output + b * c
            out.update(repeating: 0, count: c)
            for s in 0..<spatial {
                let row = input + (b * spatial + s) * c
                for ch in 0..<c { out[ch] += row[ch] }
            }
            for ch in 0..<c { out[ch] *= scale }
        }
    }

    /// dInput (N, H W, C) = dOutput / (H W), overwritten.
    public static func backward(dOutput: UnsafePointer<Float>, dInput: UnsafeMutablePointer<Float>,
                                images: Range<Int>, spatial: Int, c: Int) {
        let scale = 1 / Float(spatial)
        for b in images {
            for s in 0..<spatial {
                let row = dInput + (b * spatial + s) * c
                for ch in 0..<c { row[ch] = dOutput[b * c + ch] * scale }
            }
        }
    }

    /// Double reference.
    public static func referenceForward(_ x: [Double], n: Int, spatial: Int, c: Int) -> [Double] {
        var out = [Double](repeating: 0, count: n * c)
        for b in 0..<n { for s in 0..<spatial { for ch in 0..<c { out[b * c + ch] += x[(b * spatial + s) * c + ch] } } }
        return out.map { $0 / Double(spatial) }
    }
}
