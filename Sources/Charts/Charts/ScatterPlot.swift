import Foundation

/// A 2-D scatter plot of labelled points, for t-SNE layouts: one colour per class from
/// `Palette.categorical` (distinguishable for 30+ classes), each class's number drawn at
/// its median point (bold, with a white halo), and a legend of numbers to names beside
/// the plot (in several columns when the classes do not fit in one).
///
/// Both axes use one scale (distances in the layout stay undistorted); t-SNE axes carry
/// no meaning, so there are no ticks. Points are drawn in a fixed pseudo-random order so
/// no class is systematically painted over the others.
public struct ScatterPlot: Chart {
    /// The data window shown, in data units.
    public struct Bounds: Equatable, Sendable {
        public var x: ClosedRange<Double>
        public var y: ClosedRange<Double>
        public init(x: ClosedRange<Double>, y: ClosedRange<Double>) { self.x = x; self.y = y }
    }

    public var x: [Double]
    public var y: [Double]
    /// Class index of each point, 0..<classNames.count.
    public var classes: [Int]
    public var classNames: [String]
    public var title: String
    /// The window shown; nil = the data's extent plus 4%. Give every frame of an
    /// animation the same bounds (`ScatterPlot.commonBounds`).
    public var bounds: Bounds?
    /// Side of the square plot area in logical pixels.
    public var plotSide: Double
    /// Point radius in pixels, and opacity.
    public var pointRadius: Double
    public var pointAlpha: Double
    /// Draw each class's number at its median point.
    public var showClassNumbers: Bool
    /// The number shown for class 0 (the legend uses the same numbers).
    public var firstClassNumber: Int

    public init(x: [Double], y: [Double], classes: [Int], classNames: [String], title: String = "",
                bounds: Bounds? = nil, plotSide: Double = 480, pointRadius: Double = 2.2, pointAlpha: Double = 0.75,
                showClassNumbers: Bool = true, firstClassNumber: Int = 0) {
        self.x = x
        self.y = y
        self.classes = classes
        self.classNames = classNames
        self.title = title
        self.bounds = bounds
        self.plotSide = plotSide
        self.pointRadius = pointRadius
        self.pointAlpha = pointAlpha
        self.showClassNumbers = showClassNumbers
        self.firstClassNumber = firstClassNumber
    }

    /// The union of the data extents of several layouts plus 4% (for animation frames).
    public static func commonBounds(_ layouts: [(x: [Double], y: [Double])]) -> Bounds {
        let xs = layouts.flatMap(\.x), ys = layouts.flatMap(\.y)
        return Bounds(x: ScaleMap.paddedDomain(xs, scale: .linear, fraction: 0.04),
                      y: ScaleMap.paddedDomain(ys, scale: .linear, fraction: 0.04))
    }

    public func validate() throws {
        guard x.count == y.count, x.count == classes.count else {
            throw ChartError.invalidInput("scatter has \(x.count) x, \(y.count) y and \(classes.count) class values")
        }
        if let bad = classes.first(where: { $0 < 0 || $0 >= classNames.count }) {
            throw ChartError.invalidInput("class index \(bad) outside 0..<\(classNames.count)")
        }
    }

    public var size: Size { layout().size }

    public func layout() -> ScatterLayout { ScatterLayout(self, canvas: Canvas.measuring()) }

    /// Coordinate-wise median of each class's points (nil for a class without points).
    public func classMedians() -> [Point?] {
        var xs = [[Double]](repeating: [], count: classNames.count)
        var ys = xs
        for (i, c) in classes.enumerated() where c >= 0 && c < classNames.count && x[i].isFinite && y[i].isFinite {
            xs[c].append(x[i])
            ys[c].append(y[i])
        }
        func median(_ v: [Double]) -> Double {
            let s = v.sorted()
            return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
        }
        return zip(xs, ys).map { $0.isEmpty ? nil : Point(median($0), median($1)) }
    }

    public func draw(on canvas: Canvas) {
        let l = ScatterLayout(self, canvas: canvas)
        let plot = l.plotRect
        canvas.stroke(Rect(x: canvas.snap(plot.minX), y: canvas.snap(plot.minY), width: plot.width.rounded(),
                           height: plot.height.rounded()), .gray(0.6), width: 1)
        // A fixed interleaved order: no class always on top.
        let n = min(x.count, y.count, classes.count)
        let order = (0..<n).sorted { a, b in
            let ha = UInt32(truncatingIfNeeded: a &* 2_654_435_761), hb = UInt32(truncatingIfNeeded: b &* 2_654_435_761)
            return ha != hb ? ha < hb : a < b
        }
        canvas.withClip(plot) {
            for i in order {
                let c = classes[i]
                guard c >= 0 && c < classNames.count else { continue }
                let p = l.point(x[i], y[i])
                guard p.x.isFinite && p.y.isFinite else { continue }
                canvas.fillCircle(p, radius: pointRadius, Palette.color(c), alpha: pointAlpha)
            }
            if showClassNumbers {
                for (c, m) in classMedians().enumerated() {
                    guard let m else { continue }
                    canvas.text(String(c + firstClassNumber), at: l.point(m.x, m.y), font: ScatterLayout.numberFont,
                                color: .black, anchor: .center, halo: .white, haloWidth: 3.5)
                }
            }
        }
        if let r = l.titleRect {
            canvas.text(l.title, at: Point(r.midX, r.minY), font: ScatterLayout.titleFont, anchor: TextAnchor(.center, .top))
        }
        for (c, r) in l.legendEntryRects.enumerated() {
            let cy = r.midY
            canvas.fillCircle(Point(r.minX + 5, cy), radius: 4.5, Palette.color(c))
            canvas.text(String(c + firstClassNumber), at: Point(r.minX + 14 + l.numberWidth, cy), font: l.legendFont,
                        color: .gray(0.1), anchor: TextAnchor(.right, .middle))
            canvas.text(l.legendNames[c], at: Point(r.minX + 20 + l.numberWidth, cy), font: l.legendFont,
                        color: .gray(0.1), anchor: TextAnchor(.left, .middle))
        }
    }
}

/// Where a scatter plot's parts go, in logical pixels.
public struct ScatterLayout: Sendable {
    public let size: Size
    /// The square data area.
    public let plotRect: Rect
    public let title: String
    public let titleRect: Rect?
    /// One box per class (colour dot, number, name), in class order.
    public let legendEntryRects: [Rect]
    /// Legend names as drawn (cut with "…" when too long).
    public let legendNames: [String]
    public let legendFont: Font
    /// Width of the widest class number in the legend.
    public let numberWidth: Double
    /// The data window and the uniform pixels-per-unit scale.
    public let bounds: ScatterPlot.Bounds
    public let pixelsPerUnit: Double

    static let titleFont = Font.bold(15)
    static let numberFont = Font.bold(12)
    static let margin = 12.0

    /// The pixel position of data point (x, y).
    public func point(_ x: Double, _ y: Double) -> Point {
        Point(plotRect.midX + (x - (bounds.x.lowerBound + bounds.x.upperBound) / 2) * pixelsPerUnit,
              plotRect.midY - (y - (bounds.y.lowerBound + bounds.y.upperBound) / 2) * pixelsPerUnit)
    }

    init(_ s: ScatterPlot, canvas: Canvas) {
        let margin = ScatterLayout.margin
        let side = s.plotSide.rounded()
        var top = margin
        let titleLine = canvas.measure("Ag", font: ScatterLayout.titleFont).height
        if !s.title.isEmpty { top += titleLine + 10 }
        let plot = Rect(x: margin, y: top.rounded(), width: side, height: side)
        plotRect = plot
        let b = s.bounds ?? ScatterPlot.commonBounds([(s.x, s.y)])
        bounds = b
        let spanX = max(b.x.upperBound - b.x.lowerBound, 1e-12), spanY = max(b.y.upperBound - b.y.lowerBound, 1e-12)
        pixelsPerUnit = min(side / spanX, side / spanY)

        // Legend: columns of entries beside the plot.
        let k = s.classNames.count
        let font = Font.regular(k <= 30 ? 11 : 10)
        legendFont = font
        let line = (canvas.measure("Ag", font: font).height * 1.12).rounded()
        let numberWidth = (0..<max(k, 1)).map { canvas.measure(String($0 + s.firstClassNumber), font: font).width }.max() ?? 0
        self.numberWidth = numberWidth
        let names = s.classNames.map { canvas.truncated($0, font: font, maxWidth: 170) }
        legendNames = names
        let perColumn = max(1, Int(side / line))
        let columns = max(1, (k + perColumn - 1) / perColumn)
        let rowsUsed = (k + columns - 1) / max(columns, 1)
        var columnWidths: [Double] = []
        for col in 0..<columns {
            let members = names.indices.filter { $0 / rowsUsed == col }
            let widest = members.map { canvas.measure(names[$0], font: font).width }.max() ?? 0
            columnWidths.append((20 + numberWidth + widest).rounded(.up))
        }
        var rects: [Rect] = []
        let legendTop = plot.minY + max(0, (side - Double(rowsUsed) * line) / 2)
        var colX = plot.maxX + 18
        for col in 0..<columns {
            for row in 0..<rowsUsed {
                let c = col * rowsUsed + row
                guard c < k else { break }
                rects.append(Rect(x: colX, y: legendTop + Double(row) * line, width: columnWidths[col], height: line))
            }
            colX += columnWidths[col] + 14
        }
        legendEntryRects = rects
        var width = (k > 0 ? colX - 14 : plot.maxX) + margin
        let height = plot.maxY + margin
        if !s.title.isEmpty {
            let fitted = canvas.truncated(s.title, font: ScatterLayout.titleFont, maxWidth: max(width - 2 * margin, 900))
            title = fitted
            let w = canvas.measure(fitted, font: ScatterLayout.titleFont).width
            width = max(width, w + 2 * margin)
            let cx = min(max(plot.midX, margin + w / 2), width - margin - w / 2)
            titleRect = canvas.textBounds(fitted, at: Point(cx, margin), font: ScatterLayout.titleFont,
                                          anchor: TextAnchor(.center, .top))
        } else {
            title = ""
            titleRect = nil
        }
        size = Size(width.rounded(.up), height.rounded(.up))
    }
}
