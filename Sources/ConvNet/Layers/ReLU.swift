/// Rectified linear unit, elementwise over any layout.
public enum ReLU {
    /// x = max(x, 0) in place.
    /// - Parameter values: `count` activations, overwritten.
    @inline(__always)
    public static func forward(_ values: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            let v = values[i]
            values[i] = v > 0 ? v : 0
        }
    }

    /// gradient *= (output > 0), in place.
    /// - Parameters:
    ///   - output: the forward output (count values).
    ///   - gradient: the gradient wrt the output, overwritten with the gradient wrt the input.
    @inline(__always)
    public static func backward(output: UnsafePointer<Float>, gradient: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            gradient[i] = output[i] > 0 ? gradient[i] : 0
        }
    }

    /// Double reference.
    public static func referenceForward(_ x: [Double]) -> [Double] { x.map { max($0, 0) } }
}
