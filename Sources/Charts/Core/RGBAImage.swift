import Foundation
import Imaging

/// A raster in device pixels: straight (not premultiplied) RGBA, 4 bytes per pixel,
/// row-major from the top-left corner.
public struct RGBAImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0 && pixels.count == width * height * 4,
                     "RGBAImage \(width)x\(height) needs \(width * height * 4) bytes, got \(pixels.count)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// The pixel at (x, y) as (r, g, b, a).
    public subscript(x: Int, y: Int) -> (r: UInt8, g: UInt8, b: UInt8, a: UInt8) {
        let i = (y * width + x) * 4
        return (pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3])
    }

    /// PNG bytes (deterministic: `Imaging.PNGEncoder`, no timestamp or text chunks).
    public func pngData() throws -> Data {
        try PNGEncoder.encodeRGBA(width: width, height: height, pixels: pixels)
    }

    /// How many pixels differ between two images of the same size (nil when sizes differ).
    public func differingPixels(from other: RGBAImage) -> Int? {
        guard width == other.width, height == other.height else { return nil }
        var count = 0
        pixels.withUnsafeBufferPointer { a in
            other.pixels.withUnsafeBufferPointer { b in
                for i in stride(from: 0, to: a.count, by: 4)
                where a[i] != b[i] || a[i + 1] != b[i + 1] || a[i + 2] != b[i + 2] || a[i + 3] != b[i + 3] {
                    count += 1
                }
            }
        }
        return count
    }
}
