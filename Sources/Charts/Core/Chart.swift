import Foundation
import Storage

/// Output formats of a chart.
public enum ChartFormat: String, CaseIterable, Sendable {
    case png, svg

    /// The file extension, without the dot.
    public var fileExtension: String { rawValue }

    /// The format named by a file's extension (`.png`, `.svg`), if any.
    public init?(fileExtension ext: String) {
        self.init(rawValue: ext.lowercased())
    }
}

/// A chart: a plain value that knows its size and draws itself on a canvas. Every chart
/// type (`Heatmap`, `LineChart`, `ScatterPlot`, `ImageGrid`) conforms.
public protocol Chart: Sendable {
    /// The chart's size in logical pixels (a PNG at scale 1 has exactly this many pixels).
    var size: Size { get }
    /// Draws the chart onto `canvas`, which is `size` large.
    func draw(on canvas: Canvas)
    /// Throws `ChartError.invalidInput` when the input cannot be drawn (mismatched
    /// lengths, ...). `rasterCanvas`, `svgData`, `render` and `write` call it first.
    func validate() throws
}

extension Chart {
    /// Nothing to check by default.
    public func validate() throws {}

    /// A raster canvas with the chart drawn on it; `scale` device pixels per logical pixel.
    public func rasterCanvas(scale: Double = 1) throws -> Canvas {
        try validate()
        let s = size
        let canvas = try Canvas(width: s.width, height: s.height, scale: scale)
        draw(on: canvas)
        return canvas
    }

    /// The chart as RGBA pixels (`scale` device pixels per logical pixel).
    public func rgbaImage(scale: Double = 1) throws -> RGBAImage {
        try rasterCanvas(scale: scale).rgbaImage()
    }

    /// The chart as PNG bytes (deterministic: no timestamps).
    public func pngData(scale: Double = 1) throws -> Data {
        try rasterCanvas(scale: scale).pngData()
    }

    /// The chart as an SVG document (deterministic: ids renumbered, see `Canvas.svgData`).
    public func svgData() throws -> Data {
        try validate()
        let s = size
        let canvas = try Canvas(svgWidth: s.width, height: s.height)
        draw(on: canvas)
        return try canvas.svgData()
    }

    /// The chart encoded as `format` (`scale` applies to PNG only).
    public func render(to format: ChartFormat, scale: Double = 1) throws -> Data {
        switch format {
        case .png: return try pngData(scale: scale)
        case .svg: return try svgData()
        }
    }

    /// Writes the chart to `url` atomically, creating missing folders. The format is
    /// `format`, else the one named by the file's extension, else PNG.
    public func write(to url: URL, format: ChartFormat? = nil, scale: Double = 1) throws {
        let f = format ?? ChartFormat(fileExtension: url.pathExtension) ?? .png
        try AtomicFile.write(render(to: f, scale: scale), to: url)
    }
}
