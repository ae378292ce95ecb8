/// Fits images into a side x side square: the settings of the experiment's `rescale:`
/// section as one value. See `RescaleGeometry` for the exact sizes and offsets and
/// `Resampler` for the filters (area averaging to shrink, bilinear to enlarge).
public struct Rescaler: Equatable, Sendable {
    /// The square's side, in pixels (>= 1).
    public var side: Int
    public var fit: FitMode
    /// Whether images smaller than the square are enlarged (the original pipeline did).
    public var upscale: Bool
    /// The grey level around a padded image (255 = white); ignored when `backgroundFromBorder`.
    public var background: UInt8
    /// Pad each image with the median of its own border pixels (`rescale.background: auto`),
    /// for crops that are not on white (FlowCam, IFCB, UVP: grey or black surroundings).
    public var backgroundFromBorder: Bool

    public init(side: Int, fit: FitMode = .pad, upscale: Bool = true, background: UInt8 = 255,
                backgroundFromBorder: Bool = false) {
        precondition(side >= 1, "Rescaler side must be >= 1, got \(side)")
        self.side = side
        self.fit = fit
        self.upscale = upscale
        self.background = background
        self.backgroundFromBorder = backgroundFromBorder
    }

    /// The grey level `image` is padded with.
    public func background(for image: GrayImage) -> UInt8 {
        backgroundFromBorder ? image.borderMedian ?? background : background
    }

    /// Where `image` lands in the square.
    public func geometry(of image: GrayImage) -> RescaleGeometry {
        RescaleGeometry(width: image.width, height: image.height, side: side, fit: fit, upscale: upscale)
    }

    /// `image` fitted into a side x side square; an empty image gives the bare background.
    /// With `fit: .stretch` nothing is padded, so the background does not matter.
    public func rescale(_ image: GrayImage) -> GrayImage {
        var canvas = [UInt8](repeating: background(for: image), count: side * side)
        if image.width >= 1 && image.height >= 1 {
            let placement = geometry(of: image)
            image.pixels.withUnsafeBufferPointer { source in
                canvas.withUnsafeMutableBufferPointer { target in
                    guard let base = target.baseAddress else { return }
                    Resampler.resample(source, width: image.width, height: image.height,
                                       into: base + placement.offsetY * side + placement.offsetX, stride: side,
                                       targetWidth: placement.scaledWidth, targetHeight: placement.scaledHeight)
                }
            }
        }
        return GrayImage(width: side, height: side, pixels: canvas)
    }
}

extension GrayImage {
    /// This image fitted into a side x side square (see `Rescaler`).
    /// - Parameters:
    ///   - side: the square's side in pixels (>= 1).
    ///   - fit: `.pad` keeps the aspect ratio and centres on `background`; `.stretch` fills.
    ///   - upscale: whether an image smaller than the square is enlarged.
    ///   - background: grey level around a padded image, 255 = white.
    public func rescaled(toSquare side: Int, fit: FitMode, upscale: Bool = true, background: UInt8 = 255) -> GrayImage {
        Rescaler(side: side, fit: fit, upscale: upscale, background: background).rescale(self)
    }

    /// This image fitted into a side x side square on a `BackgroundColor`.
    public func rescaled(toSquare side: Int, fit: FitMode, upscale: Bool = true,
                         background: BackgroundColor) -> GrayImage {
        rescaled(toSquare: side, fit: fit, upscale: upscale, background: background.gray)
    }

    /// This image resized to exactly width x height (see `Resampler`).
    public func resized(width: Int, height: Int) -> GrayImage {
        Resampler.resize(self, width: width, height: height)
    }
}

extension GrayImage {
    /// The median grey level of the pixels on the image's edge (first and last row, first and
    /// last column, each pixel once); of an even count the lower of the two middle values.
    /// Nil for an empty image.
    public var borderMedian: UInt8? {
        guard width >= 1, height >= 1 else { return nil }
        var histogram = [Int](repeating: 0, count: 256)
        var count = 0
        func add(_ x: Int, _ y: Int) { histogram[Int(pixels[y * width + x])] += 1; count += 1 }
        for x in 0..<width {
            add(x, 0)
            if height > 1 { add(x, height - 1) }
        }
        if height > 2 {
            for y in 1..<(height - 1) {
                add(0, y)
                if width > 1 { add(width - 1, y) }
            }
        }
        // The lower median: the smallest level with at least ceil(count / 2) pixels at or below it.
        let half = (count + 1) / 2
        var seen = 0
        for level in 0..<256 {
            seen += histogram[level]
            if seen >= half { return UInt8(level) }
        }
        return 255
    }
}
