import Linalg

/// Inverted dropout: in training each value is kept with probability 1 - p and scaled by
/// 1 / (1 - p), so inference is the identity. The mask of a step is drawn from the
/// counter-based stream `RandomStream(seed, "dropout", epoch, step)`: a resumed run draws
/// the same masks.
public enum Dropout {
    /// Fills `mask` (count values) with 0 or 1 / (1 - p): element i is kept when the i-th
    /// uniform draw of `stream` is >= p.
    public static func makeMask(_ mask: UnsafeMutablePointer<Float>, count: Int, p: Float, stream: inout RandomStream) {
        let scale = 1 / (1 - p)
        for i in 0..<count { mask[i] = stream.uniform() >= p ? scale : 0 }
    }

    /// output = input * mask (elementwise, may alias).
    public static func apply(_ input: UnsafePointer<Float>, mask: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { output[i] = input[i] * mask[i] }
    }
}
