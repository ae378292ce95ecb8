/// 3x3 max-pool at stride 2 with padding 1 over NHWC activations (the ResNet stem's
/// `nn.MaxPool2d(3, stride=2, padding=1)`): output side (H - 1) / 2 + 1; padding never wins
/// (it counts as minus infinity). Ties go to the first position in (dy, dx) row-major order.
public enum MaxPool3x3 {
    public static func outputSide(_ h: Int) -> Int { (h - 1) / 2 + 1 }

    /// - Parameters:
    ///   - output: (N, O, O, C), overwritten for `images`.
    ///   - argmax: (N, O, O, C) window positions 0...8 of the maxima, for `backward`; nil in
    ///     inference (a plain maximum, which vectorises).
    public static func forward(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<UInt8>?,
                               images: Range<Int>, side h: Int, c: Int) {
        let o = outputSide(h)
        guard let argmax else {
            for n in images {
                let img = input + n * h * h * c
                for y in 0..<o {
                    for x in 0..<o {
                        let dst = output + ((n * o + y) * o + x) * c
                        dst.update(repeating: -.infinity, count: c)
                        for iy in max(0, 2 * y - 1)...min(h - 1, 2 * y + 1) {
                            for ix in max(0, 2 * x - 1)...min(h - 1, 2 * x + 1) {
                                let src = img + (iy * h + ix) * c
                                for ch in 0..<c { dst[ch] = max(dst[ch], src[ch]) }
                            }
                        }
                    }
                }
            }
            return
        }
        for n in images {
            let img = input + n * h * h * c
            for y in 0..<o {
                for x in 0..<o {
                    let dst = output + ((n * o + y) * o + x) * c
                    let arg = argmax + ((n * o + y) * o + x) * c
                    for ch in 0..<c { dst[ch] = -.infinity; arg[ch] = 0 }
                    for dy in 0..<3 {
                        let iy = 2 * y + dy - 1
                        guard iy >= 0 && iy < h else { continue }
                        for dx in 0..<3 {
                            let ix = 2 * x + dx - 1
                            guard ix >= 0 && ix < h else { continue }
                            let src = img + (iy * h + ix) * c
                            let position = UInt8(dy * 3 + dx)
                            for ch in 0..<c where src[ch] > dst[ch] {
                                dst[ch] = src[ch]
                                arg[ch] = position
                            }
                        }
                    }
                }
            }
        }
    }

    /// dInput (N, H, H, C), overwritten for `images`: each output gradient goes to its maximum.
    public static func backward(dOutput: UnsafePointer<Float>, argmax: UnsafePointer<UInt8>, dInput: UnsafeMutablePointer<Float>,
                                images: Range<Int>, side h: Int, c: Int) {
        let o = outputSide(h)
        (dInput + images.lowerBound * h * h * c).update(repeating: 0, count: images.count * h * h * c)
        for n in images {
            let img = dInput + n * h * h * c
            for y in 0..<o {
                for x in 0..<o {
                    let g = dOutput + ((n * o + y) * o + x) * c
                    let arg = argmax + ((n * o + y) * o + x) * c
                    for ch in 0..<c {
                        let position = Int(arg[ch])
                        let iy = 2 * y + position / 3 - 1, ix = 2 * x + position % 3 - 1
                        img[(iy * h + ix) * c + ch] += g[ch]
                    }
                }
            }
        }
    }

    /// Double reference.
    public static func referenceForward(_ x: [Double], n: Int, side h: Int, c: Int) -> [Double] {
        let o = outputSide(h)
        var out = [Double](repeating: -.infinity, count: n * o * o * c)
        for b in 0..<n {
            for y in 0..<o {
                for xx in 0..<o {
                    for ch in 0..<c {
                        for dy in 0..<3 {
                            for dx in 0..<3 {
                                let iy = 2 * y + dy - 1, ix = 2 * xx + dx - 1
                                guard iy >= 0, iy < h, ix >= 0, ix < h else { continue }
                                out[((b * o + y) * o + xx) * c + ch] = max(out[((b * o + y) * o + xx) * c + ch], x[((b * h + iy) * h + ix) * c + ch])
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}
