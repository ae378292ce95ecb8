/// 2x2 max-pool with stride 2 over NHWC activations. An odd last row or column is dropped
/// (output side floor(S / 2)). Ties go to the first position in (dy, dx) row-major order.
///
/// With `relu: true` the layer computes relu(maxpool(x)), which equals maxpool(relu(x)):
/// the network applies its ReLU after pooling, on a quarter of the values, and the backward
/// pass routes a gradient only to a window's winner when the pooled value is positive.
public enum MaxPool2x2 {
    /// - Parameters:
    ///   - input: (N, H, W, C).
    ///   - output: (N, H/2, W/2, C), overwritten.
    ///   - argmax: (N, H/2, W/2, C), overwritten with the winning position dy * 2 + dx.
    ///   - relu: clamp the pooled values at 0.
    ///   - images: the images to pool (0..<N: all).
    public static func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                               argmax: UnsafeMutablePointer<UInt8>, images: Range<Int>, h: Int, w: Int, c: Int, relu: Bool = false) {
        let oh = h / 2, ow = w / 2
        for b in images {
            for oy in 0..<oh {
                for ox in 0..<ow {
                    let p00 = input + ((b * h + 2 * oy) * w + 2 * ox) * c
                    let p01 = p00 + c
                    let p10 = p00 + w * c
                    let p11 = p10 + c
                    let o = ((b * oh + oy) * ow + ox) * c
                    let out = output + o
                    let arg = argmax + o
                    for ch in 0..<c {
                        var m = p00[ch]
                        var a: UInt8 = 0
                        let v1 = p01[ch]; if v1 > m { m = v1; a = 1 }
                        let v2 = p10[ch]; if v2 > m { m = v2; a = 2 }
                        let v3 = p11[ch]; if v3 > m { m = v3; a = 3 }
                        out[ch] = relu && !(m > 0) ? 0 : m
                        arg[ch] = a
                    }
                }
            }
        }
    }

    /// dInput (N, H, W, C) is overwritten: dOutput routed to each window's winner, 0 elsewhere.
    /// - Parameter output: the forward output of a `relu: true` pool: windows whose pooled
    ///   value is not positive get no gradient. nil for a plain max-pool.
    public static func backward(dOutput: UnsafePointer<Float>, argmax: UnsafePointer<UInt8>,
                                dInput: UnsafeMutablePointer<Float>, images: Range<Int>, h: Int, w: Int, c: Int,
                                output: UnsafePointer<Float>? = nil) {
        let oh = h / 2, ow = w / 2
        (dInput + images.lowerBound * h * w * c).update(repeating: 0, count: images.count * h * w * c)
        // Offsets of the four window positions from the window's top-left element.
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 4) { offsets in
            offsets[0] = 0; offsets[1] = c; offsets[2] = w * c; offsets[3] = w * c + c
            for b in images {
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        let p = dInput + ((b * h + 2 * oy) * w + 2 * ox) * c
                        let o = ((b * oh + oy) * ow + ox) * c
                        let g = dOutput + o, arg = argmax + o
                        if let output {
                            let out = output + o
                            for ch in 0..<c {
                                p[offsets[Int(arg[ch])] + ch] = out[ch] > 0 ? g[ch] : 0
                            }
                        } else {
                            for ch in 0..<c { p[offsets[Int(arg[ch])] + ch] = g[ch] }
                        }
                    }
                }
            }
        }
    }

    /// Double reference of the forward pass.
    public static func referenceForward(_ x: [Double], n: Int, h: Int, w: Int, c: Int) -> [Double] {
        let oh = h / 2, ow = w / 2
        var out = [Double](repeating: 0, count: n * oh * ow * c)
        for b in 0..<n { for oy in 0..<oh { for ox in 0..<ow { for ch in 0..<c {
            var m = -Double.infinity
            for dy in 0..<2 { for dx in 0..<2 {
                m = max(m, x[((b * h + 2 * oy + dy) * w + 2 * ox + dx) * c + ch])
            } }
            out[((b * oh + oy) * ow + ox) * c + ch] = m
        } } } }
        return out
    }
}
