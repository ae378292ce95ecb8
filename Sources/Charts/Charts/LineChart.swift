import Foundation

/// Which y axis a series is measured on.
public enum YAxisSide: String, Sendable { case left, right }

/// One line of a `LineChart`: points (x[i], y[i]) in data units, joined in order; a NaN
/// y breaks the line.
public struct LineSeries: Equatable, Sendable {
    public var name: String
    public var x: [Double]
    public var y: [Double]
    /// nil = the palette colour of the series' position.
    public var color: RGB?
    public var axis: YAxisSide
    public var dashed: Bool
    /// A marker at every point; nil = none.
    public var marker: MarkerShape?
    /// Line width in pixels.
    public var lineWidth: Double
    /// Join the points with a line (false: markers only, a scatter of the points).
    public var joined: Bool
    /// Draw as steps (level until halfway to the next point, then a vertical jump), for
    /// values that hold over an interval such as a per-epoch learning rate.
    public var stepped: Bool

    public init(name: String, x: [Double], y: [Double], color: RGB? = nil, axis: YAxisSide = .left,
                dashed: Bool = false, marker: MarkerShape? = nil, lineWidth: Double = 2, stepped: Bool = false,
                joined: Bool = true) {
        self.joined = joined
        self.stepped = stepped
        self.name = name
        self.x = x
        self.y = y
        self.color = color
        self.axis = axis
        self.dashed = dashed
        self.marker = marker
        self.lineWidth = lineWidth
    }

    /// A series over 1, 2, ... (epochs).
    public init(name: String, values: [Double], color: RGB? = nil, axis: YAxisSide = .left,
                dashed: Bool = false, marker: MarkerShape? = nil, stepped: Bool = false) {
        self.init(name: name, x: values.indices.map { Double($0 + 1) }, y: values, color: color, axis: axis,
                  dashed: dashed, marker: marker, stepped: stepped)
    }
}

/// Where the legend goes.
public enum LegendPlacement: String, Sendable {
    /// Inside the plot, in the corner covering the fewest data points; outside on the
    /// right when every corner would cover some.
    case auto
    /// Outside the plot, on the right.
    case outside
    case none
}

/// A line chart: x axis, a left y axis and optionally a right one (for example the
/// learning rate, `rightYScale = .log`), ticks by the 1-2-5 rule, light grid lines, a
/// legend, a title and axis labels. Used for loss per epoch (train and validation, lr on
/// the right), mean cluster size and centroid distance per epoch, and accuracy per
/// snapshot epoch.
public struct LineChart: Chart {
    public var series: [LineSeries]
    public var title: String
    public var xLabel: String
    public var yLabel: String
    /// Label of the right axis (shown when a series uses it).
    public var rightYLabel: String
    public var yScale: AxisScale
    public var rightYScale: AxisScale
    /// Data ranges shown; nil = the data's range with 5% padding.
    public var xRange: ClosedRange<Double>?
    public var yRange: ClosedRange<Double>?
    public var rightYRange: ClosedRange<Double>?
    /// Integer x ticks only (epochs).
    public var integerX: Bool
    /// A categorical x axis: x = 0, 1, ... are these categories, one tick and label each
    /// (e.g. the values of a swept key).
    public var xCategories: [String]?
    public var legend: LegendPlacement
    /// Image width and height in logical pixels.
    public var width: Double
    public var height: Double

    public init(series: [LineSeries], title: String = "", xLabel: String = "", yLabel: String = "",
                rightYLabel: String = "", yScale: AxisScale = .linear, rightYScale: AxisScale = .linear,
                xRange: ClosedRange<Double>? = nil, yRange: ClosedRange<Double>? = nil,
                rightYRange: ClosedRange<Double>? = nil, integerX: Bool = false, xCategories: [String]? = nil,
                legend: LegendPlacement = .auto, width: Double = 640, height: Double = 400) {
        self.xCategories = xCategories
        self.series = series
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.rightYLabel = rightYLabel
        self.yScale = yScale
        self.rightYScale = rightYScale
        self.xRange = xRange
        self.yRange = yRange
        self.rightYRange = rightYRange
        self.integerX = integerX
        self.legend = legend
        self.width = width
        self.height = height
    }

    public var size: Size { Size(width, height) }

    public func validate() throws {
        if let bad = series.first(where: { $0.x.count != $0.y.count }) {
            throw ChartError.invalidInput("series '\(bad.name)' has \(bad.x.count) x and \(bad.y.count) y values")
        }
        guard width >= 120, height >= 100 else { throw ChartError.invalidInput("line chart \(width)x\(height) is too small") }
        for (name, scale, range) in [("left", yScale, yRange), ("right", rightYScale, rightYRange)] {
            if scale == .log, let range, range.lowerBound <= 0 {
                throw ChartError.invalidInput("the \(name) log axis needs a range above 0, got \(range)")
            }
        }
    }

    /// The colour series `index` is drawn in.
    public func color(of index: Int) -> RGB { series[index].color ?? Palette.color(index) }

    var hasRightAxis: Bool { series.contains { $0.axis == .right } }

    public func layout() -> LineChartLayout { LineChartLayout(self, canvas: Canvas.measuring()) }

    // MARK: - Drawing

    public func draw(on canvas: Canvas) {
        let l = LineChartLayout(self, canvas: canvas)
        let plot = l.plotRect
        let grid = RGB.gray(0.91), axisColor = RGB.gray(0.25), tickText = RGB.gray(0.15)
        // Grid lines at the left-axis and x ticks.
        for t in l.xTicks {
            let x = canvas.snap(l.x(t))
            canvas.line(Point(x, plot.minY), Point(x, plot.maxY), grid, width: 1)
        }
        for t in l.yTicks {
            let y = canvas.snap(l.y(t))
            canvas.line(Point(plot.minX, y), Point(plot.maxX, y), grid, width: 1)
        }
        // Series, clipped to the plot.
        canvas.withClip(plot) {
            for (i, s) in series.enumerated() {
                let map = s.axis == .left ? l.y : l.rightY ?? l.y
                let c = color(of: i)
                var run: [Point] = []
                var points: [Point] = []
                // A lone point (no neighbour to join) still shows, as a dot.
                func drawRun(_ run: [Point]) {
                    if !s.joined { return }
                    if run.count == 1 && s.marker == nil {
                        canvas.fillCircle(run[0], radius: max(2.5, s.lineWidth * 1.5), c)
                    } else {
                        canvas.polyline(run, c, width: s.lineWidth, dash: s.dashed ? [6, 4] : [])
                    }
                }
                for (x, y) in zip(s.x, s.y) {
                    let p = Point(l.x(x), map(y))
                    if p.x.isFinite && p.y.isFinite {
                        if s.stepped, let last = run.last {
                            let mid = (last.x + p.x) / 2
                            run.append(Point(mid, last.y))
                            run.append(Point(mid, p.y))
                        }
                        run.append(p)
                        points.append(p)
                    } else {
                        drawRun(run)
                        run = []
                    }
                }
                drawRun(run)
                if let marker = s.marker {
                    for p in points { canvas.marker(marker, at: p, size: 7, c) }
                }
            }
        }
        // Frame and ticks.
        let frame = Rect(x: canvas.snap(plot.minX), y: canvas.snap(plot.minY),
                         width: (plot.width).rounded(), height: (plot.height).rounded())
        canvas.stroke(frame, axisColor, width: 1)
        let tick = LineChartLayout.tickLength
        for (t, r) in zip(l.xTicks, l.xTickLabelRects) {
            let x = canvas.snap(l.x(t))
            canvas.line(Point(x, frame.maxY), Point(x, frame.maxY + tick), axisColor, width: 1)
            _ = r
        }
        for (label, r) in zip(l.xTickLabels, l.xTickLabelRects) {
            canvas.text(label, at: Point(r.midX, r.minY), font: LineChartLayout.tickFont, color: tickText,
                        anchor: TextAnchor(.center, .top))
        }
        for (t, (label, r)) in zip(l.yTicks, zip(l.yTickLabels, l.yTickLabelRects)) {
            let y = canvas.snap(l.y(t))
            canvas.line(Point(frame.minX - tick, y), Point(frame.minX, y), axisColor, width: 1)
            canvas.text(label, at: Point(r.maxX, r.midY), font: LineChartLayout.tickFont, color: tickText,
                        anchor: TextAnchor(.right, .middle))
        }
        let rightColor = l.rightAxisColor ?? tickText
        if let ry = l.rightY {
            for (t, (label, r)) in zip(l.rightTicks, zip(l.rightTickLabels, l.rightTickLabelRects)) {
                let y = canvas.snap(ry(t))
                canvas.line(Point(frame.maxX, y), Point(frame.maxX + tick, y), axisColor, width: 1)
                canvas.text(label, at: Point(r.minX, r.midY), font: LineChartLayout.tickFont, color: rightColor,
                            anchor: TextAnchor(.left, .middle))
            }
        }
        // Titles.
        if let r = l.titleRect {
            canvas.text(l.title, at: Point(r.midX, r.minY), font: LineChartLayout.titleFont, anchor: TextAnchor(.center, .top))
        }
        if let r = l.xLabelRect {
            canvas.text(xLabel, at: Point(r.midX, r.minY), font: LineChartLayout.labelFont, color: .gray(0.1),
                        anchor: TextAnchor(.center, .top))
        }
        if let r = l.yLabelRect {
            canvas.text(yLabel, at: Point(r.minX, r.midY), font: LineChartLayout.labelFont, color: .gray(0.1),
                        anchor: TextAnchor(.center, .top), angle: 90)
        }
        if let r = l.rightYLabelRect {
            canvas.text(rightYLabel, at: Point(r.maxX, r.midY), font: LineChartLayout.labelFont,
                        color: l.rightAxisColor ?? .gray(0.1), anchor: TextAnchor(.center, .top), angle: -90)
        }
        if let origin = l.legendRect?.center, let box = l.legendBox {
            box.draw(on: canvas, origin: Point(origin.x - box.size.width / 2, origin.y - box.size.height / 2))
        }
    }
}

/// Where a line chart's parts go, in logical pixels.
public struct LineChartLayout {
    public let size: Size
    /// The data area (inside the axes).
    public let plotRect: Rect
    public let xTicks: [Double]
    public let xTickLabels: [String]
    public let xTickLabelRects: [Rect]
    public let yTicks: [Double]
    public let yTickLabels: [String]
    public let yTickLabelRects: [Rect]
    public let rightTicks: [Double]
    public let rightTickLabels: [String]
    public let rightTickLabelRects: [Rect]
    public let title: String
    public let titleRect: Rect?
    public let xLabelRect: Rect?
    public let yLabelRect: Rect?
    public let rightYLabelRect: Rect?
    /// The legend box (nil without one) and each entry's box.
    public let legendRect: Rect?
    public let legendEntryRects: [Rect]
    /// True when the legend sits outside the plot (no corner was free of data).
    public let legendOutside: Bool
    let legendBox: LegendBox?
    let rightAxisColor: RGB?
    public let x: ScaleMap
    public let y: ScaleMap
    public let rightY: ScaleMap?

    static let titleFont = Font.bold(15)
    static let labelFont = Font.regular(12.5)
    static let tickFont = Font.regular(11)
    static let tickLength = 5.0
    static let margin = 12.0

    init(_ c: LineChart, canvas: Canvas) {
        size = c.size
        let margin = LineChartLayout.margin
        let tickFont = LineChartLayout.tickFont
        let tickLine = canvas.measure("0", font: tickFont).height
        let labelLine = canvas.measure("Ag", font: LineChartLayout.labelFont).height
        let titleLine = canvas.measure("Ag", font: LineChartLayout.titleFont).height
        let left = c.series.filter { $0.axis == .left }, right = c.series.filter { $0.axis == .right }
        let hasRight = !right.isEmpty

        let xDomain = c.xRange ?? (c.xCategories.map { -0.5...(Double(max(1, $0.count)) - 0.5) }
            ?? ScaleMap.paddedDomain(c.series.flatMap(\.x), scale: .linear, fraction: 0.03))
        let yDomain = c.yRange ?? ScaleMap.paddedDomain(left.flatMap(\.y), scale: c.yScale)
        let rDomain = c.rightYRange ?? ScaleMap.paddedDomain(right.flatMap(\.y), scale: c.rightYScale)

        func ticks(_ d: ClosedRange<Double>, _ s: AxisScale, _ target: Int, integer: Bool = false) -> [Double] {
            s == .log ? Ticks.log(d.lowerBound, d.upperBound, target: target)
                      : Ticks.linear(d.lowerBound, d.upperBound, target: target, integer: integer)
        }
        // Vertical layout first (it does not depend on tick label widths).
        var top = margin
        if !c.title.isEmpty { top += titleLine + 8 }
        top += tickLine / 2 + 2
        var bottom = c.height - margin
        if !c.xLabel.isEmpty { bottom -= labelLine + 4 }
        bottom -= tickLine + 3 + LineChartLayout.tickLength
        let plotHeight = bottom - top
        let yTarget = max(2, Int(plotHeight / 55))
        let yTicks = ticks(yDomain, c.yScale, yTarget)
        let yLabels = Ticks.labels(yTicks, scale: c.yScale)
        let rTicks = hasRight ? ticks(rDomain, c.rightYScale, yTarget) : []
        let rLabels = Ticks.labels(rTicks, scale: c.rightYScale)
        let yLabelWidth = yLabels.map { canvas.measure($0, font: tickFont).width }.max() ?? 0
        let rLabelWidth = rLabels.map { canvas.measure($0, font: tickFont).width }.max() ?? 0

        var leftEdge = margin
        if !c.yLabel.isEmpty { leftEdge += labelLine + 6 }
        leftEdge += yLabelWidth + 4 + LineChartLayout.tickLength
        var rightEdge = c.width - margin
        if hasRight {
            if !c.rightYLabel.isEmpty { rightEdge -= labelLine + 6 }
            rightEdge -= rLabelWidth + 4 + LineChartLayout.tickLength
        } else {
            rightEdge -= 14  // room for half of the last x tick label
        }

        // The legend: inside the best corner, else outside on the right.
        let entries = c.series.enumerated().filter { !$0.element.name.isEmpty }.map { i, s in
            LegendEntry(name: s.name, color: c.color(of: i), dashed: s.dashed, marker: s.marker, line: s.joined)
        }
        var legendBox: LegendBox? = nil
        var legendRect: Rect? = nil
        var outside = false
        if c.legend != .none && !entries.isEmpty {
            let box = LegendBox(entries: entries, canvas: canvas)
            legendBox = box
            if c.legend == .outside { outside = true }
            if c.legend == .auto {
                // Try corners with the plot as it would be.
                let plot = Rect(x: leftEdge.rounded(), y: top.rounded(), width: (rightEdge - leftEdge).rounded(),
                                height: plotHeight.rounded())
                let xm = ScaleMap(scale: .linear, domain: xDomain, pixels: (plot.minX, plot.maxX))
                let ym = ScaleMap(scale: c.yScale, domain: yDomain, pixels: (plot.maxY, plot.minY))
                let rm = ScaleMap(scale: c.rightYScale, domain: rDomain, pixels: (plot.maxY, plot.minY))
                let samples = LineChartLayout.samples(c.series, x: xm, y: ym, right: rm)
                let inset = 8.0
                let w = box.size.width, h = box.size.height
                let corners = [
                    Point(plot.maxX - inset - w, plot.minY + inset), Point(plot.minX + inset, plot.minY + inset),
                    Point(plot.maxX - inset - w, plot.maxY - inset - h), Point(plot.minX + inset, plot.maxY - inset - h),
                    Point(plot.midX - w / 2, plot.minY + inset), Point(plot.midX - w / 2, plot.maxY - inset - h),
                    Point(plot.maxX - inset - w, plot.midY - h / 2), Point(plot.minX + inset, plot.midY - h / 2),
                ]
                var best: (Int, Rect)? = nil
                for corner in corners {
                    let r = Rect(origin: corner, size: box.size)
                    let grown = r.insetBy(-4)
                    let covered = samples.filter { grown.contains($0) }.count
                    if best == nil || covered < best!.0 { best = (covered, r) }
                }
                if let best, best.0 == 0, box.size.width < plot.width * 0.6, box.size.height < plot.height * 0.8 {
                    legendRect = best.1
                } else {
                    outside = true
                }
            }
            if outside {
                rightEdge -= box.size.width + 12
                let origin = Point((rightEdge + (hasRight ? rLabelWidth + 4 + LineChartLayout.tickLength
                                                 + (c.rightYLabel.isEmpty ? 0 : labelLine + 6) : 14) + 12).rounded(),
                                   top.rounded())
                legendRect = Rect(origin: origin, size: box.size)
            }
        }
        legendOutside = outside && legendRect != nil
        let plot = Rect(x: leftEdge.rounded(), y: top.rounded(), width: (rightEdge - leftEdge).rounded(),
                        height: plotHeight.rounded())
        plotRect = plot
        x = ScaleMap(scale: .linear, domain: xDomain, pixels: (plot.minX, plot.maxX))
        y = ScaleMap(scale: c.yScale, domain: yDomain, pixels: (plot.maxY, plot.minY))
        rightY = hasRight ? ScaleMap(scale: c.rightYScale, domain: rDomain, pixels: (plot.maxY, plot.minY)) : nil

        let xTicks = c.xCategories.map { $0.indices.map(Double.init) } ?? ticks(xDomain, .linear, max(2, Int(plot.width / 75)), integer: c.integerX)
        self.xTicks = xTicks
        xTickLabels = c.xCategories.map { names in
            names.map { canvas.truncated($0, font: tickFont, maxWidth: max(30, plot.width / Double(max(1, names.count)) - 4)) }
        } ?? Ticks.labels(xTicks)
        let xm = x, ym = y
        xTickLabelRects = zip(xTicks, xTickLabels).map { t, l in
            canvas.textBounds(l, at: Point(xm(t), plot.maxY + LineChartLayout.tickLength + 3), font: tickFont,
                              anchor: TextAnchor(.center, .top))
        }
        self.yTicks = yTicks
        yTickLabels = yLabels
        yTickLabelRects = zip(yTicks, yLabels).map { t, l in
            canvas.textBounds(l, at: Point(plot.minX - LineChartLayout.tickLength - 4, ym(t)), font: tickFont,
                              anchor: TextAnchor(.right, .middle))
        }
        rightTicks = rTicks
        rightTickLabels = rLabels
        if let rm = rightY {
            rightTickLabelRects = zip(rTicks, rLabels).map { t, l in
                canvas.textBounds(l, at: Point(plot.maxX + LineChartLayout.tickLength + 4, rm(t)), font: tickFont,
                                  anchor: TextAnchor(.left, .middle))
            }
        } else {
            rightTickLabelRects = []
        }
        rightAxisColor = right.count == 1 ? c.color(of: c.series.firstIndex { $0.axis == .right }!) : nil

        if !c.title.isEmpty {
            let fitted = canvas.truncated(c.title, font: LineChartLayout.titleFont, maxWidth: c.width - 2 * margin)
            title = fitted
            let w = canvas.measure(fitted, font: LineChartLayout.titleFont).width
            let cx = min(max(plot.midX, margin + w / 2), c.width - margin - w / 2)
            titleRect = canvas.textBounds(fitted, at: Point(cx, margin), font: LineChartLayout.titleFont,
                                          anchor: TextAnchor(.center, .top))
        } else {
            title = ""
            titleRect = nil
        }
        xLabelRect = c.xLabel.isEmpty ? nil
            : canvas.textBounds(c.xLabel, at: Point(plot.midX, c.height - margin - labelLine), font: LineChartLayout.labelFont,
                                anchor: TextAnchor(.center, .top))
        yLabelRect = c.yLabel.isEmpty ? nil
            : canvas.textBounds(c.yLabel, at: Point(margin, plot.midY), font: LineChartLayout.labelFont,
                                anchor: TextAnchor(.center, .top), angle: 90)
        if hasRight && !c.rightYLabel.isEmpty {
            let rx = plot.maxX + LineChartLayout.tickLength + 4 + rLabelWidth + 6 + labelLine
            rightYLabelRect = canvas.textBounds(c.rightYLabel, at: Point(rx, plot.midY), font: LineChartLayout.labelFont,
                                                anchor: TextAnchor(.center, .top), angle: -90)
        } else {
            rightYLabelRect = nil
        }
        self.legendBox = legendBox
        self.legendRect = legendRect
        if let legendRect, let legendBox {
            legendEntryRects = entries.indices.map { legendBox.entryRect($0, origin: legendRect.origin) }
        } else {
            legendEntryRects = []
        }
    }

    /// Points along every series (vertices and points between them every few pixels),
    /// for finding a legend corner free of data.
    static func samples(_ series: [LineSeries], x: ScaleMap, y: ScaleMap, right: ScaleMap) -> [Point] {
        var out: [Point] = []
        for s in series {
            let map = s.axis == .left ? y : right
            let pts = zip(s.x, s.y).map { Point(x($0), map($1)) }.filter { $0.x.isFinite && $0.y.isFinite }
            out += pts
            for (a, b) in zip(pts, pts.dropFirst()) {
                let d = ((b.x - a.x) * (b.x - a.x) + (b.y - a.y) * (b.y - a.y)).squareRoot()
                let n = Int(d / 4)
                if n > 1 {
                    for k in 1..<n {
                        let t = Double(k) / Double(n)
                        out.append(Point(a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t))
                    }
                }
            }
        }
        return out
    }
}

extension Rect {
    var origin: Point { Point(x, y) }
}
