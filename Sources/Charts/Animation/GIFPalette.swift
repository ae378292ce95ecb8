/// A fixed 256-colour palette for animated GIFs, suited to the charts: white, black, 30
/// greys (text, axes, antialiased edges), the 40 `Palette.categorical` colours and each
/// of them mixed with 25%, 50% and 75% white (points drawn at 75% opacity over white,
/// and their antialiased edges), and a 4x4x4 colour cube for everything else.
/// Quantisation maps a pixel to the nearest palette colour (squared RGB distance, ties
/// to the lower index), so the same frames always give the same bytes.
public struct GIFPalette: Equatable, Sendable {
    /// Exactly 256 colours as (r, g, b) bytes.
    public let colors: [[UInt8]]

    public init(colors: [[UInt8]]) {
        precondition(colors.count == 256 && colors.allSatisfy { $0.count == 3 }, "a GIF palette has 256 RGB colours")
        self.colors = colors
    }

    public static let standard: GIFPalette = {
        var out: [[UInt8]] = [[255, 255, 255], [0, 0, 0]]
        for k in 1...30 {
            let g = UInt8((Double(k) * 255 / 31).rounded())
            out.append([g, g, g])
        }
        func bytes(_ c: RGB) -> [UInt8] { let b = c.bytes; return [b.r, b.g, b.b] }
        for c in Palette.categorical { out.append(bytes(c)) }
        for t in [0.25, 0.5, 0.75] {
            for c in Palette.categorical { out.append(bytes(c.mixed(with: .white, t))) }
        }
        let levels: [UInt8] = [0, 85, 170, 255]
        for r in levels { for g in levels { for b in levels { out.append([r, g, b]) } } }
        return GIFPalette(colors: Array(out.prefix(256)))
    }()

    /// The index of the palette colour nearest to (r, g, b).
    public func nearestIndex(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        var best = 0, bestDistance = Int.max
        for (i, c) in colors.enumerated() {
            let dr = Int(c[0]) - Int(r), dg = Int(c[1]) - Int(g), db = Int(c[2]) - Int(b)
            let d = dr * dr + dg * dg + db * db
            if d < bestDistance { best = i; bestDistance = d; if d == 0 { break } }
        }
        return UInt8(best)
    }

    /// Palette indices for every pixel of `image`, composited over white first where
    /// not opaque.
    public func quantize(_ image: RGBAImage) -> [UInt8] {
        var cache: [UInt32: UInt8] = [:]
        var out = [UInt8](repeating: 0, count: image.width * image.height)
        image.pixels.withUnsafeBufferPointer { p in
            for i in 0..<(image.width * image.height) {
                var r = UInt32(p[4 * i]), g = UInt32(p[4 * i + 1]), b = UInt32(p[4 * i + 2])
                let a = UInt32(p[4 * i + 3])
                if a < 255 {
                    r = (r * a + 255 * (255 - a) + 127) / 255
                    g = (g * a + 255 * (255 - a) + 127) / 255
                    b = (b * a + 255 * (255 - a) + 127) / 255
                }
                let key = (r << 16) | (g << 8) | b
                if let hit = cache[key] {
                    out[i] = hit
                } else {
                    let index = nearestIndex(UInt8(r), UInt8(g), UInt8(b))
                    cache[key] = index
                    out[i] = index
                }
            }
        }
        return out
    }
}
