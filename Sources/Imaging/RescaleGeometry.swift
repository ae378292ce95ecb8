/// Where a width x height image lands in a side x side square: its scaled size and the
/// offset of its top-left corner. Pure integer arithmetic, so every platform agrees.
///
/// - `pad`: the scale is `min(side / width, side / height) = side / max(width, height)`;
///   the scaled size is `max(1, round(width * scale))` x `max(1, round(height * scale))`,
///   rounded half up from the exact rational value (`(2 w side + m) / (2 m)` in integers,
///   m = max(w, h)), as ImageMagick's `-resize SxS` does. With `upscale: false`, an image
///   whose sides are both <= side keeps its size (ImageMagick's `SxS>`).
/// - `stretch`: side x side. With `upscale: false`, each axis longer than side shrinks to
///   side and a shorter one keeps its length (nothing is enlarged; aspect not kept).
/// - Offsets centre the result: `offsetX = (side - scaledWidth) / 2`, rounded down (the
///   extra pixel of an odd margin goes right/bottom), as `-gravity center -extent` does.
public struct RescaleGeometry: Equatable, Sendable {
    /// The square's side, in pixels.
    public let side: Int
    /// The image's size after scaling, in pixels (1 ... side each).
    public let scaledWidth: Int
    public let scaledHeight: Int
    /// The scaled image's top-left corner in the square, in pixels (>= 0).
    public let offsetX: Int
    public let offsetY: Int

    /// The placement of a width x height image (both >= 1) in a side x side square (side >= 1).
    public init(width: Int, height: Int, side: Int, fit: FitMode, upscale: Bool) {
        precondition(width >= 1 && height >= 1 && side >= 1,
                     "RescaleGeometry needs positive sizes, got \(width)x\(height) into \(side)")
        let scaled: (Int, Int)
        switch fit {
        case .pad:
            let longer = max(width, height)
            if !upscale && longer <= side {
                scaled = (width, height)
            } else {
                // round(v * side / longer), half up, exactly.
                func scale(_ v: Int) -> Int { max(1, (2 * v * side + longer) / (2 * longer)) }
                scaled = (scale(width), scale(height))
            }
        case .stretch:
            scaled = upscale ? (side, side) : (min(width, side), min(height, side))
        }
        self.side = side
        scaledWidth = scaled.0
        scaledHeight = scaled.1
        offsetX = (side - scaled.0) / 2
        offsetY = (side - scaled.1) / 2
    }
}
