/// How an image is fitted into a square (the experiment key `rescale.fit`).
public enum FitMode: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
    /// Keep the aspect ratio: scale the longer side to the square's side and centre the
    /// result on the background, like ImageMagick
    /// `-resize SxS -background white -gravity center -extent SxS`.
    case pad
    /// Ignore the aspect ratio: resize to exactly side x side.
    case stretch

    public var description: String { rawValue }
}
