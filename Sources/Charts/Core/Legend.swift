/// One legend entry of a line chart: a short line sample (dashed or solid, with the
/// series' marker) and its name.
public struct LegendEntry: Equatable, Sendable {
    public var name: String
    public var color: RGB
    public var dashed: Bool
    public var marker: MarkerShape?
    /// Draw the line sample (false: the marker alone).
    public var line: Bool

    public init(name: String, color: RGB, dashed: Bool = false, marker: MarkerShape? = nil, line: Bool = true) {
        self.name = name
        self.color = color
        self.dashed = dashed
        self.marker = marker
        self.line = line
    }
}

/// A legend box: entries stacked in one column (logical pixels).
struct LegendBox {
    static let font = Font.regular(11.5)
    static let padding = 7.0
    static let sampleWidth = 26.0
    static let sampleGap = 7.0

    let entries: [LegendEntry]
    let rowHeight: Double
    let size: Size

    init(entries: [LegendEntry], canvas: Canvas) {
        self.entries = entries
        let m = canvas.measure("Ag", font: LegendBox.font)
        rowHeight = (m.height * 1.25).rounded()
        let widest = entries.map { canvas.measure($0.name, font: LegendBox.font).width }.max() ?? 0
        size = Size((2 * LegendBox.padding + LegendBox.sampleWidth + LegendBox.sampleGap + widest).rounded(.up),
                    (2 * LegendBox.padding + rowHeight * Double(entries.count) - (rowHeight - m.height)).rounded(.up))
    }

    /// The box of entry `i` when the legend's top-left corner is at `origin`.
    func entryRect(_ i: Int, origin: Point) -> Rect {
        Rect(x: origin.x + LegendBox.padding, y: origin.y + LegendBox.padding + Double(i) * rowHeight,
             width: size.width - 2 * LegendBox.padding, height: rowHeight)
    }

    func draw(on canvas: Canvas, origin: Point) {
        let box = Rect(origin: origin, size: size)
        canvas.fill(box, .white, alpha: 0.9)
        canvas.stroke(Rect(x: canvas.snap(box.x), y: canvas.snap(box.y), width: box.width.rounded(),
                           height: box.height.rounded()), .gray(0.8), width: 1)
        let lineHeight = canvas.measure("Ag", font: LegendBox.font).height
        for (i, e) in entries.enumerated() {
            let r = entryRect(i, origin: origin)
            let cy = r.minY + lineHeight / 2
            let x0 = r.minX, x1 = r.minX + LegendBox.sampleWidth
            if e.line { canvas.line(Point(x0, cy), Point(x1, cy), e.color, width: 2, dash: e.dashed ? [5, 3] : []) }
            if let marker = e.marker { canvas.marker(marker, at: Point((x0 + x1) / 2, cy), size: 7, e.color) }
            canvas.text(e.name, at: Point(x1 + LegendBox.sampleGap, cy), font: LegendBox.font, color: .gray(0.1),
                        anchor: TextAnchor(.left, .middle))
        }
    }
}
