import Foundation
import Imaging
import Linalg

/// A point or a vector in pixel coordinates: x to the right, y down, (0, 0) the top-left
/// corner of the top-left pixel, so pixel (i, j) has its centre at (i + 0.5, j + 0.5).
typealias Point = SIMD2<Float>

/// How a primitive's ink meets the ink already on a canvas, given the primitive's coverage
/// of a pixel (0...1) and its ink density there (0...1).
enum InkBlend {
    /// Keep the darker of the old ink and coverage x density: the shapes of one organism
    /// merge without darker seams.
    case darken
    /// Paint over: move the old ink towards the primitive's density by its coverage, so
    /// a lighter structure (a chamber's inside, a lumen) can be drawn over a darker one.
    case paint
    /// Scrape ink away in proportion to coverage x density: cuts notches (an ostracod's
    /// ventral margin).
    case erase
}

/// A Float "ink density" raster: 0 = no ink (white paper), 1 = fully opaque black.
///
/// Primitives have analytic antialiased coverage (a one-pixel linear ramp across their
/// approximate signed distance) and are evaluated only inside their bounding boxes, which
/// is what makes a whole picture cost a fraction of a millisecond.
struct InkCanvas {
    /// Size in pixels.
    let width: Int
    let height: Int
    /// Ink density per pixel, row-major: pixel (x, y) is `ink[y * width + x]`.
    var ink: [Float]

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
        ink = [Float](repeating: 0, count: width * height)
    }

    // MARK: Primitives

    /// A filled ellipse.
    /// - Parameters:
    ///   - center: centre in pixels.
    ///   - radii: semi-axes in pixels along the ellipse's own x and y axes.
    ///   - angle: rotation of the ellipse's x axis, radians (clockwise on screen, since y is down).
    ///   - density: ink density at the rim, 0...1.
    ///   - core: density at the centre relative to the rim (1 = flat; < 1 = lighter inside,
    ///     the darker outline of a translucent body seen in transmitted light).
    mutating func ellipse(center: Point, radii: Point, angle: Float, density: Float,
                          core: Float = 1, blend: InkBlend = .darken) {
        let a = max(radii.x, 0.05), b = max(radii.y, 0.05)
        let c = cos(angle), s = sin(angle)
        let extentX = ((a * c) * (a * c) + (b * s) * (b * s)).squareRoot() + 1
        let extentY = ((a * s) * (a * s) + (b * c) * (b * c)).squareRoot() + 1
        let inverse = Point(1 / a, 1 / b)
        let inverseSquared = inverse * inverse
        let minRadius = min(a, b)
        let rim = 1 - core
        deposit(minX: center.x - extentX, maxX: center.x + extentX,
                minY: center.y - extentY, maxY: center.y + extentY, blend: blend) { p in
            let d = p - center
            let local = Point(d.x * c + d.y * s, -d.x * s + d.y * c)
            // Inigo Quilez's first-order distance to an ellipse: k0 (k0 - 1) / k1.
            let q = local * inverse
            let k0 = (q * q).sum().squareRoot()
            let r = local * inverseSquared
            let k1 = (r * r).sum().squareRoot()
            let distance = k1 > 1e-6 ? k0 * (k0 - 1) / k1 : -minRadius
            let radial = min(k0, 1)
            return (min(max(0.5 - distance, 0), 1), density * (core + rim * radial * radial))
        }
    }

    /// A thick segment with round caps whose radius changes linearly from `a` to `b`.
    /// - Parameters:
    ///   - a, b: end points in pixels.
    ///   - radiusA, radiusB: half-widths in pixels at the two ends.
    ///   - density: ink density, 0...1.
    mutating func capsule(_ a: Point, _ b: Point, radiusA: Float, radiusB: Float, density: Float,
                          blend: InkBlend = .darken) {
        let reach = max(radiusA, radiusB) + 1
        let ab = b - a
        let lengthSquared = max((ab * ab).sum(), 1e-9)
        let dr = radiusB - radiusA
        deposit(minX: min(a.x, b.x) - reach, maxX: max(a.x, b.x) + reach,
                minY: min(a.y, b.y) - reach, maxY: max(a.y, b.y) + reach, blend: blend) { p in
            let ap = p - a
            let t = min(max((ap * ab).sum() / lengthSquared, 0), 1)
            let off = ap - t * ab
            let distance = (off * off).sum().squareRoot() - (radiusA + t * dr)
            return (min(max(0.5 - distance, 0), 1), density)
        }
    }

    /// A polyline drawn as a chain of capsules (antennae, tails, spines, legs), its
    /// half-width changing linearly along the chain from `startRadius` to `endRadius` (pixels).
    mutating func polyline(_ points: [Point], startRadius: Float, endRadius: Float, density: Float,
                           blend: InkBlend = .darken) {
        guard points.count >= 2 else { return }
        let steps = Float(points.count - 1)
        for i in 0..<(points.count - 1) {
            let r0 = startRadius + (endRadius - startRadius) * Float(i) / steps
            let r1 = startRadius + (endRadius - startRadius) * Float(i + 1) / steps
            capsule(points[i], points[i + 1], radiusA: r0, radiusB: r1, density: density, blend: blend)
        }
    }

    /// A circle outline (a disc's membrane): radius and line width in pixels.
    mutating func ring(center: Point, radius: Float, width: Float, density: Float,
                       blend: InkBlend = .darken) {
        let half = max(width, 0.1) / 2
        let reach = radius + half + 1
        deposit(minX: center.x - reach, maxX: center.x + reach,
                minY: center.y - reach, maxY: center.y + reach, blend: blend) { p in
            let d = p - center
            let distance = abs((d * d).sum().squareRoot() - radius) - half
            return (min(max(0.5 - distance, 0), 1), density)
        }
    }

    /// Applies a primitive to every pixel of the clipped box: `shade(pixelCentre)` returns
    /// the primitive's coverage of that pixel (0...1) and its ink density there (0...1).
    @inline(__always)
    private mutating func deposit(minX: Float, maxX: Float, minY: Float, maxY: Float, blend: InkBlend,
                                  _ shade: (Point) -> (coverage: Float, density: Float)) {
        guard minX.isFinite, maxX.isFinite, minY.isFinite, maxY.isFinite else { return }
        let x0 = max(Int(max(minX, -1).rounded(.down)), 0)
        let x1 = min(Int(min(maxX, Float(width)).rounded(.up)), width - 1)
        let y0 = max(Int(max(minY, -1).rounded(.down)), 0)
        let y1 = min(Int(min(maxY, Float(height)).rounded(.up)), height - 1)
        guard x0 <= x1, y0 <= y1 else { return }
        let w = width
        ink.withUnsafeMutableBufferPointer { buffer in
            for y in y0...y1 {
                let row = y * w
                let py = Float(y) + 0.5
                for x in x0...x1 {
                    let (coverage, density) = shade(Point(Float(x) + 0.5, py))
                    if coverage <= 0 { continue }
                    let old = buffer[row + x]
                    switch blend {
                    case .darken:
                        buffer[row + x] = max(old, coverage * density)
                    case .paint:
                        buffer[row + x] = old + coverage * (density - old)
                    case .erase:
                        buffer[row + x] = old * (1 - coverage * density)
                    }
                }
            }
        }
    }

    // MARK: Whole-canvas operations

    /// Lays `layer` over this canvas like two overlapping translucent films:
    /// ink = 1 - (1 - a)(1 - b). Both canvases must have the same size.
    mutating func overlay(_ layer: InkCanvas) {
        precondition(layer.width == width && layer.height == height, "overlay needs canvases of one size")
        for i in ink.indices {
            ink[i] = 1 - (1 - ink[i]) * (1 - layer.ink[i])
        }
    }

    /// Separable Gaussian blur with standard deviation `sigma` (pixels); edges are clamped.
    /// Does nothing below 0.2 px, where the kernel would be almost a delta.
    mutating func blur(sigma: Float) {
        guard sigma >= 0.2, width > 1, height > 1 else { return }
        let radius = min(Int((2.5 * sigma).rounded(.up)), 4)
        var kernel = [Float](repeating: 0, count: 2 * radius + 1)
        for k in -radius...radius { kernel[k + radius] = exp(-Float(k * k) / (2 * sigma * sigma)) }
        let total = kernel.reduce(0, +)
        for k in kernel.indices { kernel[k] /= total }

        let w = width, h = height
        var scratch = [Float](repeating: 0, count: ink.count)
        ink.withUnsafeBufferPointer { src in
            scratch.withUnsafeMutableBufferPointer { dst in
                kernel.withUnsafeBufferPointer { kern in
                    for y in 0..<h {
                        let row = y * w
                        for x in 0..<w {
                            var sum: Float = 0
                            for k in -radius...radius {
                                let xx = min(max(x + k, 0), w - 1)
                                sum += kern[k + radius] * src[row + xx]
                            }
                            dst[row + x] = sum
                        }
                    }
                }
            }
        }
        scratch.withUnsafeBufferPointer { src in
            ink.withUnsafeMutableBufferPointer { dst in
                kernel.withUnsafeBufferPointer { kern in
                    for y in 0..<h {
                        for x in 0..<w {
                            var sum: Float = 0
                            for k in -radius...radius {
                                let yy = min(max(y + k, 0), h - 1)
                                sum += kern[k + radius] * src[yy * w + x]
                            }
                            dst[y * w + x] = sum
                        }
                    }
                }
            }
        }
    }

    /// The grey picture: pixel = round(255 (1 - ink') + noise), clamped to 0...255, where
    /// ink' = 1 - (1 - ink)(1 - background) and the noise is approximately Gaussian with
    /// standard deviation `noiseSigma` grey levels (Irwin-Hall: a sum of four random bytes),
    /// drawn from a SplitMix64 sequence started at `noiseSeed`.
    func render(background: Float, noiseSigma: Float, noiseSeed: UInt64) -> GrayImage {
        var pixels = [UInt8](repeating: 255, count: ink.count)
        // Sum of four uniform bytes: mean 510, variance 4 (256^2 - 1) / 12.
        let noiseScale = noiseSigma / (4 * (256 * 256 - 1) / 12 as Float).squareRoot()
        let paper = 1 - min(max(background, 0), 1)
        var state = noiseSeed
        ink.withUnsafeBufferPointer { src in
            pixels.withUnsafeMutableBufferPointer { dst in
                var i = 0
                while i < src.count {
                    state &+= 0x9E37_79B9_7F4A_7C15
                    let bits = splitMix64(state)
                    // Two noise values per 64 random bits.
                    for half in 0..<2 where i < src.count {
                        let word = bits >> (32 * UInt64(half))
                        let bytes = Int(word & 0xFF) + Int((word >> 8) & 0xFF)
                            + Int((word >> 16) & 0xFF) + Int((word >> 24) & 0xFF)
                        let noise = Float(bytes - 510) * noiseScale
                        let density = min(max(src[i], 0), 1)
                        let value = 255 * (paper * (1 - density)) + noise
                        dst[i] = UInt8(min(max(value.rounded(), 0), 255))
                        i += 1
                    }
                }
            }
        }
        return GrayImage(width: width, height: height, pixels: pixels)
    }
}
