import Foundation

/// How an axis maps data to pixels.
public enum AxisScale: String, Sendable {
    case linear
    /// Base-10 logarithmic; values <= 0 are not drawn.
    case log
}

/// Tick positions by the 1-2-5 rule, and their labels.
public enum Ticks {
    /// The step among 1, 2, 5 times a power of ten giving the number of intervals over
    /// `span` nearest to `target` (ratio-wise).
    public static func niceStep(span: Double, target: Int) -> Double {
        guard span > 0, span.isFinite else { return 1 }
        let goal = Double(max(target, 1))
        let magnitude = pow(10, (log10(span / goal)).rounded(.down))
        var best = magnitude, bestScore = Double.infinity
        for m in [1.0, 2, 5, 10] {
            let step = m * magnitude
            let score = abs(Foundation.log((span / step) / goal))
            if score < bestScore - 1e-12 { best = step; bestScore = score }
        }
        return best
    }

    /// Multiples of a 1-2-5 step inside `lo...hi` (data units), about `target` intervals.
    /// `integer` forces a step of at least 1 (epochs, counts).
    public static func linear(_ lo: Double, _ hi: Double, target: Int, integer: Bool = false) -> [Double] {
        guard lo.isFinite, hi.isFinite, hi > lo else { return lo.isFinite ? [lo] : [] }
        var step = niceStep(span: hi - lo, target: target)
        if integer { step = max(step, 1) }
        let first = (lo / step - 1e-9).rounded(.up)
        let last = (hi / step + 1e-9).rounded(.down)
        guard last >= first, last - first < 1000 else { return [] }
        return stride(from: first, through: last, by: 1).map { k in
            let v = k * step
            return v == 0 ? 0 : v  // no negative zero
        }
    }

    /// Ticks for a log axis over `lo...hi` (both > 0): powers of ten, with 2 and 5 times
    /// them when fewer than three decades show, and plain 1-2-5 ticks when not even one
    /// power of ten falls inside.
    public static func log(_ lo: Double, _ hi: Double, target: Int) -> [Double] {
        guard lo > 0, hi > lo, lo.isFinite, hi.isFinite else { return lo > 0 ? [lo] : [] }
        let e0 = Int((log10(lo) - 1e-9).rounded(.up)), e1 = Int((log10(hi) + 1e-9).rounded(.down))
        var decades: [Double] = e1 >= e0 ? (e0...e1).map { pow(10, Double($0)) } : []
        if decades.count > target + 1 {
            let every = Int((Double(decades.count) / Double(target)).rounded(.up))
            decades = stride(from: 0, to: decades.count, by: every).map { decades[$0] }
        }
        if decades.count >= 3 { return decades }
        var out: [Double] = []
        let mantissas: [Double] = decades.count >= 2 ? [1, 2, 5] : [1, 2, 3, 5]
        let lowest = Int(log10(lo).rounded(.down)), highest = Int(log10(hi).rounded(.up))
        for e in lowest...highest {
            for m in mantissas {
                let v = m * pow(10, Double(e))
                if v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9) { out.append(v) }
            }
        }
        return out.count >= 2 ? out : linear(lo, hi, target: target)
    }

    /// Labels for ticks of one axis, all in one style: fixed decimals enough for the step,
    /// or `m×10ⁿ` when the values are very large or very small. Minus signs are U+2212.
    public static func labels(_ ticks: [Double], scale: AxisScale = .linear) -> [String] {
        guard !ticks.isEmpty else { return [] }
        let largest = ticks.map { abs($0) }.max()!
        let smallestNonzero = ticks.map { abs($0) }.filter { $0 > 0 }.min() ?? 0
        switch scale {
        case .log:
            let exps = ticks.filter { $0 > 0 }.map { Int(log10($0).rounded(.down)) }
            if let lo = exps.min(), let hi = exps.max(), lo >= -3, hi <= 4 {
                return ticks.map { plain($0, decimals: max(0, -Int(log10($0).rounded(.down)))) }
            }
            return ticks.map(scientific)
        case .linear:
            if largest >= 1e5 || (smallestNonzero > 0 && largest < 1e-3) { return ticks.map(scientific) }
            let steps = zip(ticks.dropFirst(), ticks).map { $0 - $1 }.filter { $0 > 0 }
            let step = steps.min() ?? (largest > 0 ? largest : 1)
            let decimals = max(0, Int((-log10(step) - 1e-9).rounded(.up)))
            return ticks.map { plain($0, decimals: decimals) }
        }
    }

    /// A number with `decimals` digits after the point, U+2212 for minus, no "-0".
    public static func plain(_ v: Double, decimals: Int) -> String {
        var s = String(format: "%.\(min(decimals, 12))f", v)
        if s.hasPrefix("-") {
            if Double(s) == 0 { s.removeFirst() } else { s = "\u{2212}" + s.dropFirst() }
        }
        return s
    }

    /// `10ⁿ` for powers of ten, else `m×10ⁿ` with the shortest mantissa (up to 3 digits).
    public static func scientific(_ v: Double) -> String {
        guard v != 0, v.isFinite else { return plain(v, decimals: 0) }
        var e = Int(log10(abs(v)).rounded(.down))
        var m = v / pow(10, Double(e))
        if abs(m) >= 9.9995 { m /= 10; e += 1 }
        let mantissa: String
        if abs(abs(m) - 1) < 1e-9 {
            mantissa = m < 0 ? "\u{2212}" : ""
        } else {
            var text = plain(m, decimals: 3)
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
            mantissa = text + "×"
        }
        return mantissa + "10" + superscript(e)
    }

    static func superscript(_ n: Int) -> String {
        let digits: [Character] = ["⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"]
        return (n < 0 ? "⁻" : "") + String(abs(n)).map { digits[Int(String($0))!] }
    }

    /// A short general label for a value (cell text, colour-bar extremes): up to
    /// `significant` significant digits, no trailing zeros.
    public static func compact(_ v: Double, significant: Int = 3) -> String {
        guard v.isFinite else { return v.isNaN ? "" : (v > 0 ? "∞" : "−∞") }
        if v == 0 { return "0" }
        let magnitude = Int(log10(abs(v)).rounded(.down))
        if magnitude >= 5 || magnitude < -3 { return scientific(v) }
        let decimals = max(0, significant - 1 - magnitude)
        var s = plain(v, decimals: decimals)
        if s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s
    }
}

/// Maps a data interval onto a pixel interval, linearly or logarithmically.
public struct ScaleMap: Sendable {
    public let scale: AxisScale
    /// The data interval shown (both ends > 0 for a log scale).
    public let domain: ClosedRange<Double>
    /// Pixel positions of `domain.lowerBound` and `domain.upperBound` (may be decreasing,
    /// as for a y axis).
    public let pixels: (Double, Double)

    public init(scale: AxisScale, domain: ClosedRange<Double>, pixels: (Double, Double)) {
        self.scale = scale
        self.domain = domain
        self.pixels = pixels
    }

    /// The pixel for data value `v` (NaN for `v <= 0` on a log scale).
    public func callAsFunction(_ v: Double) -> Double {
        let t: Double
        switch scale {
        case .linear:
            t = (v - domain.lowerBound) / (domain.upperBound - domain.lowerBound)
        case .log:
            guard v > 0 else { return .nan }
            t = (log10(v) - log10(domain.lowerBound)) / (log10(domain.upperBound) - log10(domain.lowerBound))
        }
        return pixels.0 + t * (pixels.1 - pixels.0)
    }

    /// A padded domain around data values: `fraction` of the span added on each side
    /// (in log10 units for a log scale); a single value gets a span around it.
    public static func paddedDomain(_ values: [Double], scale: AxisScale, fraction: Double = 0.05) -> ClosedRange<Double> {
        let finite = values.filter { $0.isFinite && (scale == .linear || $0 > 0) }
        guard var lo = finite.min(), var hi = finite.max() else { return scale == .log ? 0.1...1 : 0...1 }
        switch scale {
        case .linear:
            if hi == lo {
                let d = lo == 0 ? 1 : abs(lo) * 0.1
                lo -= d; hi += d
            }
            let pad = (hi - lo) * fraction
            return (lo - pad)...(hi + pad)
        case .log:
            var a = log10(lo), b = log10(hi)
            if b - a < 1e-9 { a -= 0.3; b += 0.3 }
            let pad = (b - a) * fraction
            return pow(10, a - pad)...pow(10, b + pad)
        }
    }
}
