import CCairo

/// Where a colour bar and its parts sit, in logical pixels: the gradient, its ticks and
/// labels, and its title (rotated, on the right).
public struct ColorBarLayout: Equatable, Sendable {
    public let title: String
    public let colorMap: ColorMap
    /// Data values at the bottom and the top of the bar.
    public let range: ClosedRange<Double>
    /// The gradient itself.
    public let barRect: Rect
    /// Tick values (data units) and their labels.
    public let ticks: [Double]
    public let tickLabels: [String]
    /// The boxes of the tick labels.
    public let tickLabelRects: [Rect]
    /// The box of the rotated title (zero width when there is no title).
    public let titleRect: Rect
    /// Everything: bar, ticks, labels and title.
    public let bounds: Rect

    static let barWidth = 14.0
    static let tickLength = 4.0

    /// Lays a bar out with its top-left corner at (`x`, `y`), `height` pixels tall.
    static func make(title: String, colorMap: ColorMap, range: ClosedRange<Double>, x: Double, y: Double,
                     height: Double, tickFont: Font, titleFont: Font, on canvas: Canvas) -> ColorBarLayout {
        let bar = Rect(x: x, y: y, width: barWidth, height: height)
        let ticks = Ticks.linear(range.lowerBound, range.upperBound, target: min(8, max(2, Int(height / 45))))
        let labels = Ticks.labels(ticks)
        func py(_ v: Double) -> Double {
            let span = range.upperBound - range.lowerBound
            return bar.maxY - (span > 0 ? (v - range.lowerBound) / span : 0.5) * height
        }
        let labelX = bar.maxX + tickLength + 3
        let rects = zip(ticks, labels).map { t, l in
            canvas.textBounds(l, at: Point(labelX, py(t)), font: tickFont, anchor: TextAnchor(.left, .middle))
        }
        let labelsRight = rects.map(\.maxX).max() ?? bar.maxX
        var titleRect = Rect(x: labelsRight, y: bar.midY, width: 0, height: 0)
        if !title.isEmpty {
            let fitted = canvas.truncated(title, font: titleFont, maxWidth: max(height, 40))
            titleRect = canvas.textBounds(fitted, at: Point(labelsRight + 6, bar.midY), font: titleFont,
                                          anchor: TextAnchor(.center, .top), angle: 90)
        }
        var bounds = bar
        for r in rects + [titleRect] where r.width > 0 { bounds = bounds.union(r) }
        return ColorBarLayout(title: title, colorMap: colorMap, range: range, barRect: bar, ticks: ticks,
                              tickLabels: labels, tickLabelRects: rects, titleRect: titleRect, bounds: bounds)
    }

    func draw(on canvas: Canvas, tickFont: Font, titleFont: Font) {
        let bar = barRect
        // The gradient, top = largest value.
        let pattern = cairo_pattern_create_linear(0, bar.maxY, 0, bar.minY)!
        let stops = colorMap.stops
        for (i, c) in stops.enumerated() {
            cairo_pattern_add_color_stop_rgb(pattern, Double(i) / Double(stops.count - 1), c.r, c.g, c.b)
        }
        cairo_rectangle(canvas.cr, bar.x, bar.y, bar.width, bar.height)
        cairo_set_source(canvas.cr, pattern)
        cairo_fill(canvas.cr)
        cairo_pattern_destroy(pattern)
        let frame = Rect(x: canvas.snap(bar.x), y: canvas.snap(bar.y),
                         width: (bar.maxX - bar.x).rounded(), height: (bar.maxY - bar.y).rounded())
        canvas.stroke(frame, .gray(0.3), width: 1)
        let span = range.upperBound - range.lowerBound
        for (t, (label, rect)) in zip(ticks, zip(tickLabels, tickLabelRects)) {
            let y = canvas.snap(bar.maxY - (span > 0 ? (t - range.lowerBound) / span : 0.5) * bar.height)
            canvas.line(Point(bar.maxX, y), Point(bar.maxX + ColorBarLayout.tickLength, y), .gray(0.3), width: 1)
            canvas.text(label, at: Point(rect.minX, rect.midY), font: tickFont, color: .gray(0.15),
                        anchor: TextAnchor(.left, .middle))
        }
        if !title.isEmpty {
            let fitted = canvas.truncated(title, font: titleFont, maxWidth: max(bar.height, 40))
            canvas.text(fitted, at: Point(titleRect.minX, bar.midY), font: titleFont, color: .gray(0.1),
                        anchor: TextAnchor(.center, .top), angle: 90)
        }
    }
}
