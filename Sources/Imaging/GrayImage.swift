/// An 8-bit single-channel image, row-major: pixel (x, y) is `pixels[y * width + x]`,
/// 0 = black, 255 = white (ZooScan images are dark objects on a white background).
public struct GrayImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0 && pixels.count == width * height,
                     "GrayImage \(width)x\(height) needs \(width * height) pixels, got \(pixels.count)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// A width x height image filled with `value`.
    public init(width: Int, height: Int, fill value: UInt8 = 255) {
        self.init(width: width, height: height, pixels: [UInt8](repeating: value, count: width * height))
    }

    public subscript(x: Int, y: Int) -> UInt8 {
        get { pixels[y * width + x] }
        set { pixels[y * width + x] = newValue }
    }
}
