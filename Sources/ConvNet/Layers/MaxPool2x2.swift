/// 2x2 max-pool with stride 2 over NHWC activations. An odd last row or column is dropped
/// (output side floor(S / 2)). Ties go to the first position in (dy, dx) row-major order.
public enum MaxPool2x2 {
    /// - Parameters:
    ///   - input: (N, H, W, C).
    ///   - output: (N, H/2, W/2, C), overwritten.
    ///   - argmax: (N, H/2, W/2, C), overwritten with the winning position dy * 2 + dx.
    public static func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                               argmax: UnsafeMutablePointer<UInt8>, n: Int, h: Int, w: Int, c: Int) {
        let oh = h / 2, ow = w / 2
        for b in 0..<n {
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
                        out[ch] = m
                        arg[ch] = a
                    }
                }
            }
        }
    }

    /// dInput (N, H, W, C) is overwritten: dOutput routed to each window's winner, 0 elsewhere.
    public static func backward(dOutput: UnsafePointer<Float>, argmax: UnsafePointer<UInt8>,
                                dInput: UnsafeMutablePointer<Float>, n: Int, h: Int, w: Int, c: Int) {
        let oh = h / 2, ow = w / 2
        dInput.update(repeating: 0, count: n * h * w * c)
        for b in 0..<n {
            for oy in 0..<oh {
                for ox in 0..<ow {
                    let base = ((b * h + 2 * oy) * w + 2 * ox) * c
                    let o = ((b * oh + oy) * ow + ox) * c
                    for ch in 0..<c {
                        let a = Int(argmax[o + ch])
                        dInput[base + ((a >> 1) * w + (a & 1)) * c + ch] = dOutput[o + ch]
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
