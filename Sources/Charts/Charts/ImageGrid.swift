import Imaging

/// Sample images in captioned rows, e.g. the two most confused classes one above the
/// other (the seed report's Figure 17). Each image is scaled to fit a square cell
/// (aspect kept, centred, thin grey frame), with an optional caption under it.
public struct ImageGrid: Chart {
    /// One row: a caption above it and its images (with optional per-image captions).
    public struct Row: Equatable, Sendable {
        public var caption: String
        public var images: [GrayImage]
        /// One caption per image, or empty for none.
        public var imageCaptions: [String]

        public init(caption: String, images: [GrayImage], imageCaptions: [String] = []) {
            self.caption = caption
            self.images = images
            self.imageCaptions = imageCaptions
        }
    }

    public var rows: [Row]
    public var title: String
    /// Side of one image cell in logical pixels.
    public var cellSize: Double
    /// Images per row at most (the rest are left out); nil = all.
    public var maxColumns: Int?

    public init(rows: [Row], title: String = "", cellSize: Double = 96, maxColumns: Int? = nil) {
        self.rows = rows
        self.title = title
        self.cellSize = cellSize
        self.maxColumns = maxColumns
    }

    /// The grid for a confused pair: a row of images of each class, captioned with the
    /// class names and how often each is predicted as the other.
    public static func confusedPair(_ pair: ConfusedPair, classNames: [String], firstImages: [GrayImage],
                                    secondImages: [GrayImage], title: String? = nil, cellSize: Double = 96,
                                    maxColumns: Int = 8) -> ImageGrid {
        func name(_ i: Int) -> String { i < classNames.count ? classNames[i] : "class \(i)" }
        let a = name(pair.first), b = name(pair.second)
        return ImageGrid(rows: [
            Row(caption: "\(pair.first): \(a) (\(pair.firstAsSecond) predicted as \(b))", images: firstImages),
            Row(caption: "\(pair.second): \(b) (\(pair.secondAsFirst) predicted as \(a))", images: secondImages),
        ], title: title ?? "Most confused pair: \(a) and \(b)", cellSize: cellSize, maxColumns: maxColumns)
    }

    var columns: Int {
        let widest = rows.map(\.images.count).max() ?? 0
        return max(1, min(widest, maxColumns ?? widest))
    }

    public var size: Size { layout().size }

    public func validate() throws {
        guard !rows.isEmpty else { throw ChartError.invalidInput("an image grid needs at least one row") }
        guard cellSize >= 8 else { throw ChartError.invalidInput("image cells of \(cellSize) px are too small") }
        if let row = rows.first(where: { !$0.imageCaptions.isEmpty && $0.imageCaptions.count != $0.images.count }) {
            throw ChartError.invalidInput("row '\(row.caption)' has \(row.images.count) images and \(row.imageCaptions.count) captions")
        }
    }

    public func layout() -> ImageGridLayout { ImageGridLayout(self, canvas: Canvas.measuring()) }

    public func draw(on canvas: Canvas) {
        let l = ImageGridLayout(self, canvas: canvas)
        if let r = l.titleRect {
            canvas.text(l.title, at: Point(r.midX, r.minY), font: ImageGridLayout.titleFont, anchor: TextAnchor(.center, .top))
        }
        for (i, row) in rows.enumerated() {
            let r = l.captionRects[i]
            canvas.text(l.captions[i], at: Point(r.minX, r.minY), font: ImageGridLayout.captionFont, color: .gray(0.1),
                        anchor: .topLeft)
            for (j, cell) in l.cellRects[i].enumerated() {
                canvas.fill(cell, .gray(0.97))
                let covered = canvas.image(row.images[j], fitting: cell.insetBy(1))
                _ = covered
                canvas.stroke(Rect(x: canvas.snap(cell.x), y: canvas.snap(cell.y), width: cell.width.rounded(),
                                   height: cell.height.rounded()), .gray(0.75), width: 1)
                if j < row.imageCaptions.count, !row.imageCaptions[j].isEmpty {
                    let text = canvas.truncated(row.imageCaptions[j], font: ImageGridLayout.imageCaptionFont,
                                                maxWidth: cell.width)
                    canvas.text(text, at: Point(cell.midX, cell.maxY + 3), font: ImageGridLayout.imageCaptionFont,
                                color: .gray(0.25), anchor: TextAnchor(.center, .top))
                }
            }
        }
    }
}

/// Where an image grid's parts go, in logical pixels.
public struct ImageGridLayout: Sendable {
    public let size: Size
    public let title: String
    public let titleRect: Rect?
    /// Row captions as drawn and their boxes.
    public let captions: [String]
    public let captionRects: [Rect]
    /// The image cells of each row.
    public let cellRects: [[Rect]]

    static let titleFont = Font.bold(15)
    static let captionFont = Font.bold(12.5)
    static let imageCaptionFont = Font.regular(10)
    static let margin = 12.0
    static let gap = 6.0

    init(_ g: ImageGrid, canvas: Canvas) {
        let margin = ImageGridLayout.margin, gap = ImageGridLayout.gap
        let cell = g.cellSize.rounded()
        let columns = g.columns
        let gridWidth = Double(columns) * cell + Double(columns - 1) * gap
        var width = gridWidth + 2 * margin
        let captionLine = canvas.measure("Ag", font: ImageGridLayout.captionFont).height
        let imageCaptionLine = canvas.measure("Ag", font: ImageGridLayout.imageCaptionFont).height
        var y = margin
        let titleLine = canvas.measure("Ag", font: ImageGridLayout.titleFont).height
        if !g.title.isEmpty { y += titleLine + 10 }
        var captions: [String] = [], captionRects: [Rect] = [], cells: [[Rect]] = []
        for row in g.rows {
            let caption = canvas.truncated(row.caption, font: ImageGridLayout.captionFont, maxWidth: max(gridWidth, 300))
            captions.append(caption)
            let r = canvas.textBounds(caption, at: Point(margin, y), font: ImageGridLayout.captionFont, anchor: .topLeft)
            captionRects.append(r)
            width = max(width, r.maxX + margin)
            y += captionLine + 5
            let n = min(row.images.count, columns)
            cells.append((0..<n).map { Rect(x: margin + Double($0) * (cell + gap), y: y.rounded(), width: cell, height: cell) })
            y += cell
            if row.imageCaptions.contains(where: { !$0.isEmpty }) { y += imageCaptionLine + 4 }
            y += 12
        }
        y += margin - 12
        self.captions = captions
        self.captionRects = captionRects
        self.cellRects = cells
        if !g.title.isEmpty {
            let fitted = canvas.truncated(g.title, font: ImageGridLayout.titleFont, maxWidth: max(width - 2 * margin, 900))
            title = fitted
            let w = canvas.measure(fitted, font: ImageGridLayout.titleFont).width
            width = max(width, w + 2 * margin)
            titleRect = canvas.textBounds(fitted, at: Point(margin, margin), font: ImageGridLayout.titleFont,
                                          anchor: .topLeft)
        } else {
            title = ""
            titleRect = nil
        }
        size = Size(width.rounded(.up), max(y, margin * 2).rounded(.up))
    }
}
