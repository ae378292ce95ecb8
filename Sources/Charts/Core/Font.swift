/// A text style: DejaVu Sans at `size` logical pixels (the em size), regular or bold.
public struct Font: Equatable, Hashable, Sendable {
    /// The em size in logical pixels.
    public var size: Double
    public var bold: Bool

    public init(size: Double, bold: Bool = false) { self.size = size; self.bold = bold }

    public static func regular(_ size: Double) -> Font { Font(size: size) }
    public static func bold(_ size: Double) -> Font { Font(size: size, bold: true) }

    /// The font family every chart uses (package fonts-dejavu-core).
    public static let family = "DejaVu Sans"
}

/// Where a text's box sits relative to the point it is drawn at. The box is the advance
/// width by the font's ascent + descent (not the ink), so labels of one font line up.
public struct TextAnchor: Equatable, Hashable, Sendable {
    public enum Horizontal: Sendable { case left, center, right }
    public enum Vertical: Sendable { case top, middle, baseline, bottom }
    public var horizontal: Horizontal
    public var vertical: Vertical

    public init(_ horizontal: Horizontal, _ vertical: Vertical) {
        self.horizontal = horizontal
        self.vertical = vertical
    }

    public static let topLeft = TextAnchor(.left, .top)
    public static let center = TextAnchor(.center, .middle)
}

/// The size of a one-line text: advance width and the font's ascent and descent, in
/// logical pixels.
public struct TextMetrics: Equatable, Sendable {
    public var width: Double
    public var ascent: Double
    public var descent: Double
    public var height: Double { ascent + descent }
}
