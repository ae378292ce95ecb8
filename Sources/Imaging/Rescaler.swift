/// Fits images into a side x side square: the settings of the experiment's `rescale:`
/// section as one value. See `RescaleGeometry` for the exact sizes and offsets and
/// `Resampler` for the filters (area averaging to shrink, bilinear to enlarge).
public struct Rescaler: Equatable, Sendable {
    /// The square's side, in pixels (>= 1).
    public var side: Int
    public var fit: FitMode
    /// Whether images smaller than the square are enlarged (the original pipeline did).
    public var upscale: Bool
    /// The grey level around a padded image (255 = white).
    public var background: UInt8

    public init(side: Int, fit: FitMode = .pad, upscale: Bool = true, background: UInt8 = 255) {
        precondition(side >= 1, "Rescaler side must be >= 1, got \(side)")
        self.side = side
        self.fit = fit
        self.upscale = upscale
        self.background = background
    }

    /// Where `image` lands in the square.
    public func geometry(of image: GrayImage) -> RescaleGeometry {
        RescaleGeometry(width: image.width, height: image.height, side: side, fit: fit, upscale: upscale)
    }

    /// `image` fitted into a side x side square; an empty image gives the bare background.
    public func rescale(_ image: GrayImage) -> GrayImage {
        var canvas = [UInt8](repeating: background, count: side * side)
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
