import Foundation

/// An sRGB colour with components in 0...1 (not premultiplied).
public struct RGB: Equatable, Hashable, Sendable {
    public var r: Double
    public var g: Double
    public var b: Double

    public init(_ r: Double, _ g: Double, _ b: Double) { self.r = r; self.g = g; self.b = b }

    /// From a 24-bit value `0xRRGGBB`.
    public init(hex: UInt32) {
        self.init(Double((hex >> 16) & 0xff) / 255, Double((hex >> 8) & 0xff) / 255, Double(hex & 0xff) / 255)
    }

    public static let white = RGB(1, 1, 1)
    public static let black = RGB(0, 0, 0)
    /// A grey with the given level (0 = black, 1 = white).
    public static func gray(_ level: Double) -> RGB { RGB(level, level, level) }

    /// Components as bytes 0...255, rounded.
    public var bytes: (r: UInt8, g: UInt8, b: UInt8) {
        func q(_ v: Double) -> UInt8 { UInt8(max(0, min(255, (v * 255).rounded()))) }
        return (q(r), q(g), q(b))
    }

    /// `#rrggbb`, lower case.
    public var hexString: String {
        let (r, g, b) = bytes
        return String(format: "#%02x%02x%02x", r, g, b)
    }

    /// Linear interpolation in sRGB: `t = 0` gives `self`, `t = 1` gives `other`.
    public func mixed(with other: RGB, _ t: Double) -> RGB {
        RGB(r + (other.r - r) * t, g + (other.g - g) * t, b + (other.b - b) * t)
    }

    /// WCAG relative luminance, 0 (black) ... 1 (white).
    public var luminance: Double {
        func lin(_ c: Double) -> Double { c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4) }
        return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
    }

    /// Black or white, whichever contrasts more with this colour (WCAG contrast ratio):
    /// the colour for text drawn on a cell of this colour.
    public var contrastingText: RGB {
        let l = luminance
        let onBlack = (l + 0.05) / 0.05
        let onWhite = 1.05 / (l + 0.05)
        return onBlack >= onWhite ? .black : .white
    }

    /// CIE L*a*b* (D65), L in 0...100.
    public var lab: (l: Double, a: Double, b: Double) {
        func lin(_ c: Double) -> Double { c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4) }
        let (lr, lg, lb) = (lin(r), lin(g), lin(b))
        let x = (0.4124564 * lr + 0.3575761 * lg + 0.1804375 * lb) / 0.95047
        let y = 0.2126729 * lr + 0.7151522 * lg + 0.0721750 * lb
        let z = (0.0193339 * lr + 0.1191920 * lg + 0.9503041 * lb) / 1.08883
        func f(_ t: Double) -> Double { t > 216.0 / 24389 ? cbrt(t) : t * 24389 / 27 / 116 + 16.0 / 116 }
        let (fx, fy, fz) = (f(x), f(y), f(z))
        return (116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz))
    }

    /// CIE76 colour difference (Euclidean distance in L*a*b*); about 2.3 is just noticeable.
    public func deltaE(_ other: RGB) -> Double {
        let p = lab, q = other.lab
        return ((p.l - q.l) * (p.l - q.l) + (p.a - q.a) * (p.a - q.a) + (p.b - q.b) * (p.b - q.b)).squareRoot()
    }
}
