import Foundation

/// A matrix drawn as coloured cells with row and column labels, a colour bar with ticks,
/// optional text in each cell, a title and axis titles. Used for every confusion matrix
/// (rows = true class, columns = predicted class) and for the centroid matrix, whose
/// diagonal (cluster sizes) gets its own colour scale and colour bar (`diagonal`).
///
/// The image size follows from the content: cells are `cellSize` pixels (picked from the
/// class count when nil: 44 px for a few classes down to 16 px), labels shrink with the
/// cell size (12 px down to 8.5 px), column labels turn vertical when they do not fit
/// across a cell. `layout()` exposes where everything goes.
public struct Heatmap: Chart {
    /// A separate colour scale for the diagonal cells.
    public struct DiagonalScale: Equatable, Sendable {
        public var colorMap: ColorMap
        /// Data range of the diagonal's colour bar; nil = min...max of the diagonal.
        public var range: ClosedRange<Double>?
        public var title: String

        public init(colorMap: ColorMap = .clusterSize, range: ClosedRange<Double>? = nil, title: String) {
            self.colorMap = colorMap
            self.range = range
            self.title = title
        }
    }

    /// Values, row-major: `values[row][column]`, in data units; NaN = no value (grey cell).
    public var values: [[Double]]
    public var rowLabels: [String]
    public var columnLabels: [String]
    public var title: String
    /// Title beside the row labels, e.g. "true".
    public var rowAxisTitle: String
    /// Title under the column labels, e.g. "predicted".
    public var columnAxisTitle: String
    public var colorMap: ColorMap
    /// Data range of the main colour bar; nil = min...max of the values (of the
    /// off-diagonal values when `diagonal` is set).
    public var valueRange: ClosedRange<Double>?
    public var colorBarTitle: String
    /// Text for each cell, row-major like `values` (empty strings draw nothing); nil = none.
    /// Drawn black or white, whichever contrasts more with the cell.
    public var cellText: [[String]]?
    /// When set, diagonal cells use this scale and get a second colour bar.
    public var diagonal: DiagonalScale?
    /// Side of one cell in logical pixels; nil = chosen from the class count.
    public var cellSize: Double?
    /// Longer labels are cut with "…" (pixels).
    public var maxLabelWidth: Double

    public init(values: [[Double]], rowLabels: [String], columnLabels: [String], title: String = "",
                rowAxisTitle: String = "", columnAxisTitle: String = "", colorMap: ColorMap = .viridis,
                valueRange: ClosedRange<Double>? = nil, colorBarTitle: String = "", cellText: [[String]]? = nil,
                diagonal: DiagonalScale? = nil, cellSize: Double? = nil, maxLabelWidth: Double = 170) {
        self.values = values
        self.rowLabels = rowLabels
        self.columnLabels = columnLabels
        self.title = title
        self.rowAxisTitle = rowAxisTitle
        self.columnAxisTitle = columnAxisTitle
        self.colorMap = colorMap
        self.valueRange = valueRange
        self.colorBarTitle = colorBarTitle
        self.cellText = cellText
        self.diagonal = diagonal
        self.cellSize = cellSize
        self.maxLabelWidth = maxLabelWidth
    }

    /// A confusion matrix: rows = true class, columns = predicted class. Colours show the
    /// fraction of each true class (row-normalised, 0...1) unless `normalizeRows` is false
    /// (then raw counts); cells show the counts (zeros left blank) when `showCounts`.
    /// `rowLabels` differ from the column `labels` when predictions have a column of their
    /// own (`Unknown`); nil: the same.
    public static func confusion(counts: [[Int]], labels: [String], rowLabels: [String]? = nil, title: String,
                                 normalizeRows: Bool = true, showCounts: Bool = true) -> Heatmap {
        let values: [[Double]] = counts.map { row in
            let total = row.reduce(0, +)
            return row.map { normalizeRows ? (total > 0 ? Double($0) / Double(total) : .nan) : Double($0) }
        }
        let text = showCounts ? counts.map { $0.map { $0 == 0 ? "" : String($0) } } : nil
        let maxCount = counts.flatMap { $0 }.max() ?? 1
        return Heatmap(values: values, rowLabels: rowLabels ?? labels, columnLabels: labels, title: title,
                       rowAxisTitle: "true", columnAxisTitle: "predicted", colorMap: .blues,
                       valueRange: normalizeRows ? 0...1 : 0...Double(max(maxCount, 1)),
                       colorBarTitle: normalizeRows ? "fraction of true class" : "images",
                       cellText: text)
    }

    /// The centroid matrix: off-diagonal = distances between class centroids (viridis),
    /// diagonal = cluster sizes (mean distance of a class's points to its centroid) on
    /// their own scale (oranges) and colour bar. Values are printed in the cells when
    /// `showValues` (nil: only up to 15 classes, where they fit).
    public static func centroids(distances: [[Double]], labels: [String], title: String,
                                 showValues: Bool? = nil) -> Heatmap {
        let show = showValues ?? (labels.count <= 15)
        // One number of decimals for the whole matrix: three significant digits of the largest value.
        let largest = distances.flatMap { $0 }.filter(\.isFinite).map { abs($0) }.max() ?? 1
        let decimals = largest > 0 ? max(0, 2 - Int(log10(largest).rounded(.down))) : 2
        let text = show ? distances.map { $0.map { $0.isFinite ? Ticks.plain($0, decimals: decimals) : "" } } : nil
        return Heatmap(values: distances, rowLabels: labels, columnLabels: labels, title: title,
                       colorMap: .viridis, colorBarTitle: "centroid distance", cellText: text,
                       diagonal: DiagonalScale(colorMap: .clusterSize, title: "cluster size"))
    }

    public var size: Size { layout().size }

    /// Checks that the matrix is rectangular and matches the labels.
    public func validate() throws {
        guard !values.isEmpty, let m = values.first?.count, m > 0 else {
            throw ChartError.invalidInput("heatmap needs at least one row and one column")
        }
        guard values.allSatisfy({ $0.count == m }) else { throw ChartError.invalidInput("heatmap rows differ in length") }
        guard rowLabels.count == values.count, columnLabels.count == m else {
            throw ChartError.invalidInput("heatmap is \(values.count)x\(m) but has \(rowLabels.count) row and "
                                          + "\(columnLabels.count) column labels")
        }
        if let cellText, cellText.count != values.count || !cellText.allSatisfy({ $0.count == m }) {
            throw ChartError.invalidInput("heatmap cell text does not match the matrix shape")
        }
        if diagonal != nil, values.count != m { throw ChartError.invalidInput("a diagonal scale needs a square matrix") }
    }

    // MARK: - Layout

    /// Computes where every part goes (logical pixels).
    public func layout() -> HeatmapLayout {
        HeatmapLayout(self, canvas: Canvas.measuring())
    }

    /// The colour of cell (`row`, `column`).
    func cellColor(_ row: Int, _ column: Int, layout: HeatmapLayout) -> RGB {
        let v = row < values.count && column < values[row].count ? values[row][column] : .nan
        guard v.isFinite else { return .gray(0.88) }
        let isDiagonal = diagonal != nil && row == column
        let bar = isDiagonal ? layout.colorBars[1] : layout.colorBars[0]
        let span = bar.range.upperBound - bar.range.lowerBound
        return bar.colorMap.color(at: span > 0 ? (v - bar.range.lowerBound) / span : 0.5)
    }

    // MARK: - Drawing

    public func draw(on canvas: Canvas) {
        let l = HeatmapLayout(self, canvas: canvas)
        let n = l.rows, m = l.columns
        // Cells: no antialiasing, so touching cells leave no seams.
        canvas.withoutAntialiasing {
            for i in 0..<n {
                for j in 0..<m {
                    canvas.fill(l.cellRect(i, j), cellColor(i, j, layout: l))
                }
            }
        }
        let frame = l.matrixRect
        canvas.stroke(Rect(x: canvas.snap(frame.x), y: canvas.snap(frame.y), width: frame.width.rounded(),
                           height: frame.height.rounded()), .gray(0.35), width: 1)
        if let cellFont = l.cellFont, let cellText {
            for i in 0..<n {
                for j in 0..<m where !cellText[i][j].isEmpty {
                    let r = l.cellRect(i, j)
                    canvas.text(cellText[i][j], at: r.center, font: cellFont,
                                color: cellColor(i, j, layout: l).contrastingText, anchor: .center)
                }
            }
        }
        let labelColor = RGB.gray(0.1)
        for (i, r) in l.rowLabelRects.enumerated() {
            canvas.text(l.rowLabels[i], at: Point(r.maxX, r.midY), font: l.labelFont, color: labelColor,
                        anchor: TextAnchor(.right, .middle))
        }
        for (j, r) in l.columnLabelRects.enumerated() {
            if l.columnLabelsRotated {
                canvas.text(l.columnLabels[j], at: Point(r.midX, r.minY), font: l.labelFont, color: labelColor,
                            anchor: TextAnchor(.right, .middle), angle: 90)
            } else {
                canvas.text(l.columnLabels[j], at: Point(r.midX, r.minY), font: l.labelFont, color: labelColor,
                            anchor: TextAnchor(.center, .top))
            }
        }
        if let t = l.titleRect {
            canvas.text(l.title, at: Point(t.midX, t.minY), font: HeatmapLayout.titleFont,
                        anchor: TextAnchor(.center, .top))
        }
        if let t = l.rowAxisTitleRect {
            canvas.text(rowAxisTitle, at: Point(t.minX, t.midY), font: HeatmapLayout.axisTitleFont,
                        color: .gray(0.1), anchor: TextAnchor(.center, .top), angle: 90)
        }
        if let t = l.columnAxisTitleRect {
            canvas.text(columnAxisTitle, at: Point(t.midX, t.minY), font: HeatmapLayout.axisTitleFont,
                        color: .gray(0.1), anchor: TextAnchor(.center, .top))
        }
        for bar in l.colorBars {
            bar.draw(on: canvas, tickFont: l.tickFont, titleFont: HeatmapLayout.axisTitleFont)
        }
    }
}

/// Where a heatmap's parts go, in logical pixels; exposed so tests (and callers placing
/// annotations) can check that labels lie inside the image and do not overlap.
public struct HeatmapLayout: Sendable {
    public let size: Size
    public let rows: Int
    public let columns: Int
    /// The cells, without labels.
    public let matrixRect: Rect
    /// Side of one cell.
    public let cellSide: Double
    /// Row labels as drawn (cut with "…" when too long) and their boxes.
    public let rowLabels: [String]
    public let rowLabelRects: [Rect]
    /// Column labels as drawn and their boxes (tall and thin when rotated).
    public let columnLabels: [String]
    public let columnLabelRects: [Rect]
    /// True when the column labels are vertical (reading bottom to top).
    public let columnLabelsRotated: Bool
    public let labelFont: Font
    /// The font of the cell texts; nil when there are none or they would be too small.
    public let cellFont: Font?
    public let tickFont: Font
    public let title: String
    public let titleRect: Rect?
    public let rowAxisTitleRect: Rect?
    public let columnAxisTitleRect: Rect?
    /// The main colour bar first; with a diagonal scale, the diagonal's bar second.
    public let colorBars: [ColorBarLayout]

    static let titleFont = Font.bold(15)
    static let axisTitleFont = Font.regular(12.5)
    static let margin = 12.0

    /// The rectangle of cell (`row`, `column`); edges are shared exactly with neighbours.
    public func cellRect(_ row: Int, _ column: Int) -> Rect {
        Rect(x: matrixRect.x + Double(column) * cellSide, y: matrixRect.y + Double(row) * cellSide,
             width: cellSide, height: cellSide)
    }

    init(_ h: Heatmap, canvas: Canvas) {
        let n = h.values.count, m = h.values.first?.count ?? 0
        rows = n
        columns = m
        let k = max(n, m, 1)
        let cell = (h.cellSize ?? min(44, max(16, 600 / Double(k)))).rounded(.down)
        cellSide = cell
        let labelFont = Font.regular(min(12, max(8.5, (cell * 0.5 * 2).rounded() / 2)))
        self.labelFont = labelFont
        let tickFont = Font.regular(11)
        self.tickFont = tickFont
        let margin = HeatmapLayout.margin
        let labelGap = 5.0

        let rowLabels = (0..<n).map { canvas.truncated($0 < h.rowLabels.count ? h.rowLabels[$0] : "",
                                                       font: labelFont, maxWidth: h.maxLabelWidth) }
        self.rowLabels = rowLabels
        let columnLabels = (0..<m).map { canvas.truncated($0 < h.columnLabels.count ? h.columnLabels[$0] : "",
                                                          font: labelFont, maxWidth: h.maxLabelWidth) }
        self.columnLabels = columnLabels
        let rowLabelWidth = rowLabels.map { canvas.measure($0, font: labelFont).width }.max() ?? 0
        let columnLabelWidth = columnLabels.map { canvas.measure($0, font: labelFont).width }.max() ?? 0
        let labelLine = canvas.measure("Ag", font: labelFont).height
        let rotated = columnLabelWidth > cell - 4
        columnLabelsRotated = rotated
        let axisLine = canvas.measure("Ag", font: HeatmapLayout.axisTitleFont).height
        let titleLine = canvas.measure("Ag", font: HeatmapLayout.titleFont).height

        // Horizontal: margin, row axis title, row labels, matrix, colour bars, margin.
        var x = margin
        if !h.rowAxisTitle.isEmpty { x += axisLine + 6 }
        x += rowLabelWidth + labelGap
        // Vertical: margin, title, matrix, column labels, column axis title, margin.
        var y = margin
        if !h.title.isEmpty { y += titleLine + 10 }
        // Half a label line above the matrix so the top colour-bar tick label fits.
        y += 6
        let matrix = Rect(x: x.rounded(), y: y.rounded(), width: cell * Double(m), height: cell * Double(n))
        matrixRect = matrix

        rowLabelRects = (0..<n).map { i in
            canvas.textBounds(rowLabels[i], at: Point(matrix.minX - labelGap, matrix.minY + (Double(i) + 0.5) * cell),
                              font: labelFont, anchor: TextAnchor(.right, .middle))
        }
        let columnLabelTop = matrix.maxY + labelGap
        let columnLabelFont = labelFont
        columnLabelRects = (0..<m).map { j in
            let cx = matrix.minX + (Double(j) + 0.5) * cell
            return rotated
                ? canvas.textBounds(columnLabels[j], at: Point(cx, columnLabelTop), font: columnLabelFont,
                                    anchor: TextAnchor(.right, .middle), angle: 90)
                : canvas.textBounds(columnLabels[j], at: Point(cx, columnLabelTop), font: columnLabelFont,
                                    anchor: TextAnchor(.center, .top))
        }
        var bottom = columnLabelTop + (rotated ? columnLabelWidth : labelLine)
        if !h.columnAxisTitle.isEmpty {
            columnAxisTitleRect = canvas.textBounds(h.columnAxisTitle, at: Point(matrix.midX, bottom + 6),
                                                    font: HeatmapLayout.axisTitleFont, anchor: TextAnchor(.center, .top))
            bottom = columnAxisTitleRect!.maxY
        } else {
            columnAxisTitleRect = nil
        }
        if !h.rowAxisTitle.isEmpty {
            rowAxisTitleRect = canvas.textBounds(h.rowAxisTitle, at: Point(margin, matrix.midY),
                                                 font: HeatmapLayout.axisTitleFont, anchor: TextAnchor(.center, .top),
                                                 angle: 90)
        } else {
            rowAxisTitleRect = nil
        }

        // Colour bars.
        var finite: [Double] = []
        var diagonalValues: [Double] = []
        for (i, row) in h.values.enumerated() {
            for (j, v) in row.enumerated() where v.isFinite {
                if h.diagonal != nil && i == j { diagonalValues.append(v) } else { finite.append(v) }
            }
        }
        func range(_ given: ClosedRange<Double>?, _ data: [Double]) -> ClosedRange<Double> {
            if let given, given.upperBound > given.lowerBound { return given }
            guard let lo = data.min(), let hi = data.max() else { return 0...1 }
            if hi > lo { return lo...hi }
            return lo == 0 ? 0...1 : min(0, lo)...max(hi, 0)
        }
        var bars: [ColorBarLayout] = []
        var barX = matrix.maxX + 16
        let mainBar = ColorBarLayout.make(title: h.colorBarTitle, colorMap: h.colorMap,
                                          range: range(h.valueRange, finite), x: barX, y: matrix.minY,
                                          height: matrix.height, tickFont: tickFont,
                                          titleFont: HeatmapLayout.axisTitleFont, on: canvas)
        bars.append(mainBar)
        if let d = h.diagonal {
            barX = mainBar.bounds.maxX + 18
            bars.append(ColorBarLayout.make(title: d.title, colorMap: d.colorMap, range: range(d.range, diagonalValues),
                                            x: barX, y: matrix.minY, height: matrix.height, tickFont: tickFont,
                                            titleFont: HeatmapLayout.axisTitleFont, on: canvas))
        }
        colorBars = bars

        // Cell text: as large as fits, at most 40% of the cell; none under 6 px.
        if let text = h.cellText {
            var font = Font.regular(min(12, (cell * 0.4 * 2).rounded() / 2))
            let widest = text.flatMap { $0 }.map { canvas.measure($0, font: font).width }.max() ?? 0
            if widest > cell - 4 { font.size = (font.size * (cell - 4) / widest * 2).rounded(.down) / 2 }
            cellFont = font.size >= 6 ? font : nil
        } else {
            cellFont = nil
        }

        var width = (bars.last?.bounds.maxX ?? matrix.maxX) + margin
        var height = max(bottom, bars.map(\.bounds.maxY).max() ?? 0) + margin
        // Title centred over the matrix, kept inside the image.
        if !h.title.isEmpty {
            let fitted = canvas.truncated(h.title, font: HeatmapLayout.titleFont, maxWidth: max(width - 2 * margin, 900))
            title = fitted
            let w = canvas.measure(fitted, font: HeatmapLayout.titleFont).width
            width = max(width, w + 2 * margin)
            let cx = min(max(matrix.midX, margin + w / 2), width - margin - w / 2)
            titleRect = canvas.textBounds(fitted, at: Point(cx, margin), font: HeatmapLayout.titleFont,
                                          anchor: TextAnchor(.center, .top))
        } else {
            title = ""
            titleRect = nil
        }
        width = width.rounded(.up)
        height = height.rounded(.up)
        size = Size(width, height)
    }
}
