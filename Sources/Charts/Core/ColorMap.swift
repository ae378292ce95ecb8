/// A sequential colour map: `color(at: 0)` for the smallest value, `color(at: 1)` for the
/// largest; piecewise linear between evenly spaced stops (sRGB).
public struct ColorMap: Equatable, Hashable, Sendable {
    public let name: String
    public let stops: [RGB]

    public init(name: String, stops: [RGB]) {
        precondition(stops.count >= 2, "a colour map needs at least two stops")
        self.name = name
        self.stops = stops
    }

    /// The colour at `t` (clamped to 0...1; NaN gives the first stop).
    public func color(at t: Double) -> RGB {
        let u = t.isNaN ? 0 : max(0, min(1, t)) * Double(stops.count - 1)
        let i = min(Int(u), stops.count - 2)
        return stops[i].mixed(with: stops[i + 1], u - Double(i))
    }

    private init(_ name: String, _ hex: [UInt32]) { self.init(name: name, stops: hex.map { RGB(hex: $0) }) }

    /// Perceptually uniform dark blue -> green -> yellow (matplotlib's default; colour-blind safe).
    public static let viridis = ColorMap("viridis", [0x440154, 0x482878, 0x3e4a89, 0x31688e, 0x26828e,
                                                     0x1f9e89, 0x35b779, 0x6dcd59, 0xb4de2c, 0xfde725])
    /// White -> dark blue (ColorBrewer Blues): confusion matrices, as scikit-learn draws them.
    public static let blues = ColorMap("blues", [0xf7fbff, 0xdeebf7, 0xc6dbef, 0x9ecae1, 0x6baed6,
                                                 0x4292c6, 0x2171b5, 0x08519c, 0x08306b])
    /// White -> dark orange (ColorBrewer Oranges): the centroid matrix's diagonal (cluster sizes).
    public static let oranges = ColorMap("oranges", [0xfff5eb, 0xfee6ce, 0xfdd0a2, 0xfdae6b, 0xfd8d3c,
                                                     0xf16913, 0xd94801, 0xa63603, 0x7f2704])
    /// Light orange -> dark orange (Oranges without its near-white end, so no cell looks
    /// empty): the centroid matrix's diagonal.
    public static let clusterSize = ColorMap("cluster size", [0xfdd0a2, 0xfdae6b, 0xfd8d3c, 0xf16913, 0xd94801,
                                                              0xa63603, 0x7f2704])
    /// Black -> purple -> light yellow.
    public static let magma = ColorMap("magma", [0x000004, 0x180f3e, 0x451077, 0x721f81, 0x9f2f7f,
                                                 0xcd4071, 0xf1605d, 0xfd9567, 0xfec98d, 0xfcfdbf])
    /// White -> black.
    public static let greys = ColorMap("greys", [0xffffff, 0x000000])
}
