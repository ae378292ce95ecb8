import CCairo
import Foundation
import Imaging
import Storage

/// A drawing surface over cairo: a raster (ARGB image surface) or an SVG document.
///
/// Every coordinate and length is in logical pixels; a raster canvas with `scale` 2 has
/// twice as many device pixels per side (HiDPI) and draws everything scaled. Text is
/// DejaVu Sans through cairo's toy font API with fixed font options (grey antialiasing,
/// slight hinting, unhinted metrics), so text measures the same at every scale and in SVG,
/// and the same inputs always give the same pixels.
///
/// A canvas is not thread-safe; make one per drawing.
public final class Canvas {
    public enum Backend: Sendable { case raster, svg }

    /// Width in logical pixels.
    public let width: Double
    /// Height in logical pixels.
    public let height: Double
    /// Device pixels per logical pixel (raster only; 1 for SVG).
    public let scale: Double
    public let backend: Backend

    let surface: OpaquePointer
    let cr: OpaquePointer
    private let svgSink: SVGSink?
    private var currentFont: Font?
    private var finished = false

    /// A raster canvas of `width` x `height` logical pixels, `scale` device pixels per
    /// logical pixel, filled with `background` (opaque white unless nil: transparent).
    public init(width: Double, height: Double, scale: Double = 1, background: RGB? = .white) throws {
        guard width > 0, height > 0, scale > 0, width * scale <= 32767, height * scale <= 32767 else {
            throw ChartError.invalidInput("canvas size \(width)x\(height) at scale \(scale) out of range")
        }
        self.width = width
        self.height = height
        self.scale = scale
        self.backend = .raster
        self.svgSink = nil
        let surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, Int32((width * scale).rounded(.up)),
                                                 Int32((height * scale).rounded(.up)))!
        try Canvas.check(cairo_surface_status(surface), "creating a \(width)x\(height) image surface") {
            cairo_surface_destroy(surface)
        }
        self.surface = surface
        cr = cairo_create(surface)
        cairo_scale(cr, scale, scale)
        setUp(background: background)
    }

    /// An SVG canvas of `width` x `height` pixels (document unit px). Read it with `svgData()`.
    public init(svgWidth width: Double, height: Double, background: RGB? = .white) throws {
        guard width > 0, height > 0 else { throw ChartError.invalidInput("canvas size \(width)x\(height)") }
        self.width = width
        self.height = height
        self.scale = 1
        self.backend = .svg
        let sink = SVGSink()
        self.svgSink = sink
        let surface = cairo_svg_surface_create_for_stream(svgWrite, Unmanaged.passUnretained(sink).toOpaque(),
                                                          width, height)!
        try Canvas.check(cairo_surface_status(surface), "creating an SVG surface") {
            cairo_surface_destroy(surface)
        }
        self.surface = surface
        cairo_svg_surface_restrict_to_version(surface, CAIRO_SVG_VERSION_1_1)
        cairo_svg_surface_set_document_unit(surface, CAIRO_SVG_UNIT_PX)
        cr = cairo_create(surface)
        setUp(background: background)
    }

    /// A small raster canvas for measuring text while laying a chart out.
    public static func measuring() -> Canvas {
        // A 1x1 canvas cannot fail to allocate.
        try! Canvas(width: 1, height: 1, scale: 1)
    }

    deinit {
        cairo_destroy(cr)
        cairo_surface_destroy(surface)
    }

    private func setUp(background: RGB?) {
        let options = cairo_font_options_create()
        cairo_font_options_set_antialias(options, CAIRO_ANTIALIAS_GRAY)
        cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_SLIGHT)
        cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF)
        cairo_set_font_options(cr, options)
        cairo_font_options_destroy(options)
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND)
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT)
        if let background {
            setColor(background)
            cairo_paint(cr)
        }
    }

    static func check(_ status: cairo_status_t, _ what: String, cleanup: () -> Void = {}) throws {
        guard status == CAIRO_STATUS_SUCCESS else {
            cleanup()
            throw ChartError.cairo("\(what): \(String(cString: cairo_status_to_string(status)))")
        }
    }

    // MARK: - State

    func setColor(_ c: RGB, alpha: Double = 1) {
        if alpha >= 1 { cairo_set_source_rgb(cr, c.r, c.g, c.b) } else { cairo_set_source_rgba(cr, c.r, c.g, c.b, alpha) }
    }

    /// Runs `body` with antialiasing off for shapes (text keeps its own font options):
    /// touching cells of a heatmap then leave no hairline seams.
    public func withoutAntialiasing(_ body: () -> Void) {
        let old = cairo_get_antialias(cr)
        cairo_set_antialias(cr, CAIRO_ANTIALIAS_NONE)
        body()
        cairo_set_antialias(cr, old)
    }

    /// Runs `body` with drawing clipped to `rect`.
    public func withClip(_ rect: Rect, _ body: () -> Void) {
        cairo_save(cr)
        cairo_rectangle(cr, rect.x, rect.y, rect.width, rect.height)
        cairo_clip(cr)
        body()
        cairo_restore(cr)
    }

    /// `v` moved to the nearest position where a line of `lineWidth` pixels covers whole
    /// device pixels (crisp horizontal and vertical lines).
    public func snap(_ v: Double, lineWidth: Double = 1) -> Double {
        let device = (lineWidth * scale).rounded()
        let odd = Int(device) % 2 == 1
        let p = (v * scale).rounded(.down) + (odd ? 0.5 : 0)
        return p / scale
    }

    // MARK: - Shapes

    /// Fills `rect` with `color`.
    public func fill(_ rect: Rect, _ color: RGB, alpha: Double = 1) {
        setColor(color, alpha: alpha)
        cairo_rectangle(cr, rect.x, rect.y, rect.width, rect.height)
        cairo_fill(cr)
    }

    /// Strokes the outline of `rect` (line centred on the edges), `width` pixels wide.
    public func stroke(_ rect: Rect, _ color: RGB, width: Double = 1) {
        setColor(color)
        cairo_set_line_width(cr, width)
        cairo_rectangle(cr, rect.x, rect.y, rect.width, rect.height)
        cairo_stroke(cr)
    }

    /// A straight line from `a` to `b`, `width` pixels wide, optionally dashed (dash and
    /// gap lengths in pixels).
    public func line(_ a: Point, _ b: Point, _ color: RGB, width: Double = 1, dash: [Double] = [], alpha: Double = 1) {
        polyline([a, b], color, width: width, dash: dash, alpha: alpha)
    }

    /// A connected line through `points` (nothing for fewer than two).
    public func polyline(_ points: [Point], _ color: RGB, width: Double = 1, dash: [Double] = [], alpha: Double = 1) {
        guard points.count >= 2 else { return }
        setColor(color, alpha: alpha)
        cairo_set_line_width(cr, width)
        cairo_set_dash(cr, dash, Int32(dash.count), 0)
        cairo_move_to(cr, points[0].x, points[0].y)
        for p in points.dropFirst() { cairo_line_to(cr, p.x, p.y) }
        cairo_stroke(cr)
        cairo_set_dash(cr, nil, 0, 0)
    }

    /// A filled circle of `radius` pixels.
    public func fillCircle(_ center: Point, radius: Double, _ color: RGB, alpha: Double = 1) {
        setColor(color, alpha: alpha)
        cairo_new_sub_path(cr)
        cairo_arc(cr, center.x, center.y, radius, 0, 2 * Double.pi)
        cairo_fill(cr)
    }

    /// A marker of `size` pixels (its bounding box side) centred on `center`: filled with
    /// `color` and outlined in white (`outline` pixels) so overlapping markers stay apart.
    public func marker(_ shape: MarkerShape, at center: Point, size: Double, _ color: RGB, outline: Double = 0.8) {
        let r = size / 2
        cairo_new_path(cr)
        switch shape {
        case .circle:
            cairo_arc(cr, center.x, center.y, r, 0, 2 * Double.pi)
        case .square:
            let s = r * 0.9
            cairo_rectangle(cr, center.x - s, center.y - s, 2 * s, 2 * s)
        case .triangle:
            cairo_move_to(cr, center.x, center.y - r * 1.1)
            cairo_line_to(cr, center.x + r, center.y + r * 0.75)
            cairo_line_to(cr, center.x - r, center.y + r * 0.75)
            cairo_close_path(cr)
        case .diamond:
            cairo_move_to(cr, center.x, center.y - r * 1.15)
            cairo_line_to(cr, center.x + r * 0.9, center.y)
            cairo_line_to(cr, center.x, center.y + r * 1.15)
            cairo_line_to(cr, center.x - r * 0.9, center.y)
            cairo_close_path(cr)
        }
        setColor(color)
        if outline > 0 {
            cairo_fill_preserve(cr)
            setColor(.white)
            cairo_set_line_width(cr, outline)
            cairo_stroke(cr)
        } else {
            cairo_fill(cr)
        }
    }

    // MARK: - Text

    private func select(_ font: Font) {
        guard currentFont != font else { return }
        cairo_select_font_face(cr, Font.family, CAIRO_FONT_SLANT_NORMAL,
                               font.bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(cr, font.size)
        currentFont = font
    }

    /// The advance width of `string` and the font's ascent and descent, in pixels.
    public func measure(_ string: String, font: Font) -> TextMetrics {
        select(font)
        var fe = cairo_font_extents_t()
        cairo_font_extents(cr, &fe)
        var te = cairo_text_extents_t()
        cairo_text_extents(cr, string, &te)
        return TextMetrics(width: te.x_advance, ascent: fe.ascent, descent: fe.descent)
    }

    /// `string`, cut and ended with "…" if wider than `maxWidth` pixels.
    public func truncated(_ string: String, font: Font, maxWidth: Double) -> String {
        if measure(string, font: font).width <= maxWidth { return string }
        var chars = Array(string)
        while !chars.isEmpty {
            chars.removeLast()
            let candidate = String(chars).trimmingCharacters(in: .whitespaces) + "…"
            if measure(candidate, font: font).width <= maxWidth { return candidate }
        }
        return "…"
    }

    /// The box `text(...)` would cover, without drawing: the advance width by ascent +
    /// descent, placed by `anchor` at `point` and rotated by `angle` degrees
    /// counter-clockwise about `point` (then the axis-aligned rectangle around it).
    public func textBounds(_ string: String, at point: Point, font: Font,
                           anchor: TextAnchor = TextAnchor(.left, .baseline), angle: Double = 0) -> Rect {
        let (origin, m) = textOrigin(string, font: font, anchor: anchor)
        let corners = [Point(origin.x, origin.y - m.ascent), Point(origin.x + m.width, origin.y - m.ascent),
                       Point(origin.x, origin.y + m.descent), Point(origin.x + m.width, origin.y + m.descent)]
        let a = -angle * Double.pi / 180
        let (c, s) = (cos(a), sin(a))
        let rotated = corners.map { Point(point.x + $0.x * c - $0.y * s, point.y + $0.x * s + $0.y * c) }
        let xs = rotated.map(\.x), ys = rotated.map(\.y)
        return Rect(x: xs.min()!, y: ys.min()!, width: xs.max()! - xs.min()!, height: ys.max()! - ys.min()!)
    }

    /// The baseline start relative to the anchor point, and the metrics.
    private func textOrigin(_ string: String, font: Font, anchor: TextAnchor) -> (Point, TextMetrics) {
        let m = measure(string, font: font)
        let dx: Double
        switch anchor.horizontal {
        case .left: dx = 0
        case .center: dx = -m.width / 2
        case .right: dx = -m.width
        }
        let dy: Double
        switch anchor.vertical {
        case .top: dy = m.ascent
        case .middle: dy = (m.ascent - m.descent) / 2
        case .baseline: dy = 0
        case .bottom: dy = -m.descent
        }
        return (Point(dx, dy), m)
    }

    /// Draws one line of text and returns the box it covers (as `textBounds`).
    /// - Parameters:
    ///   - angle: degrees counter-clockwise about `point` (90 reads bottom to top).
    ///   - halo: a colour drawn around the glyphs first (`haloWidth` pixels), so text
    ///     stays legible over data.
    @discardableResult
    public func text(_ string: String, at point: Point, font: Font, color: RGB = .black,
                     anchor: TextAnchor = TextAnchor(.left, .baseline), angle: Double = 0,
                     halo: RGB? = nil, haloWidth: Double = 3) -> Rect {
        let bounds = textBounds(string, at: point, font: font, anchor: anchor, angle: angle)
        guard !string.isEmpty else { return bounds }
        let (origin, _) = textOrigin(string, font: font, anchor: anchor)
        cairo_save(cr)
        cairo_translate(cr, point.x, point.y)
        if angle != 0 { cairo_rotate(cr, -angle * Double.pi / 180) }
        cairo_move_to(cr, origin.x, origin.y)
        if let halo {
            cairo_text_path(cr, string)
            setColor(halo)
            cairo_set_line_width(cr, haloWidth)
            cairo_stroke_preserve(cr)
            setColor(color)
            cairo_fill(cr)
        } else {
            setColor(color)
            cairo_show_text(cr, string)
        }
        cairo_restore(cr)
        return bounds
    }

    // MARK: - Images

    /// Draws a grey image scaled to fit inside `rect` (aspect kept, centred), smoothly
    /// filtered; returns the rectangle the image covers.
    @discardableResult
    public func image(_ image: GrayImage, fitting rect: Rect) -> Rect {
        guard image.width > 0, image.height > 0 else { return Rect(x: rect.midX, y: rect.midY, width: 0, height: 0) }
        let k = min(rect.width / Double(image.width), rect.height / Double(image.height))
        let w = Double(image.width) * k, h = Double(image.height) * k
        let target = Rect(x: rect.midX - w / 2, y: rect.midY - h / 2, width: w, height: h)
        let source = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(image.width), Int32(image.height))
        defer { cairo_surface_destroy(source) }
        guard cairo_surface_status(source) == CAIRO_STATUS_SUCCESS, let data = cairo_image_surface_get_data(source) else {
            return target
        }
        cairo_surface_flush(source)
        let stride = Int(cairo_image_surface_get_stride(source))
        image.pixels.withUnsafeBufferPointer { gray in
            for y in 0..<image.height {
                let row = UnsafeMutableRawPointer(data + y * stride).assumingMemoryBound(to: UInt32.self)
                for x in 0..<image.width {
                    let g = UInt32(gray[y * image.width + x])
                    row[x] = 0xff00_0000 | (g << 16) | (g << 8) | g
                }
            }
        }
        cairo_surface_mark_dirty(source)
        cairo_save(cr)
        cairo_rectangle(cr, target.x, target.y, target.width, target.height)
        cairo_clip(cr)
        cairo_translate(cr, target.x, target.y)
        cairo_scale(cr, k, k)
        cairo_set_source_surface(cr, source, 0, 0)
        cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD)
        cairo_paint(cr)
        cairo_restore(cr)
        return target
    }

    // MARK: - Output

    /// The raster's pixels, un-premultiplied to straight RGBA.
    public func rgbaImage() throws -> RGBAImage {
        guard backend == .raster else { throw ChartError.wrongBackend("pixels of an SVG canvas") }
        cairo_surface_flush(surface)
        let w = Int(cairo_image_surface_get_width(surface)), h = Int(cairo_image_surface_get_height(surface))
        let stride = Int(cairo_image_surface_get_stride(surface))
        guard let data = cairo_image_surface_get_data(surface) else { throw ChartError.cairo("no image data") }
        var out = [UInt8](repeating: 0, count: w * h * 4)
        out.withUnsafeMutableBufferPointer { dst in
            for y in 0..<h {
                let row = UnsafeRawPointer(data + y * stride).assumingMemoryBound(to: UInt32.self)
                for x in 0..<w {
                    let p = row[x]
                    let a = p >> 24
                    var r = (p >> 16) & 0xff, g = (p >> 8) & 0xff, b = p & 0xff
                    if a != 255 && a != 0 {
                        r = (r * 255 + a / 2) / a; g = (g * 255 + a / 2) / a; b = (b * 255 + a / 2) / a
                    }
                    let i = (y * w + x) * 4
                    dst[i] = UInt8(min(r, 255)); dst[i + 1] = UInt8(min(g, 255)); dst[i + 2] = UInt8(min(b, 255))
                    dst[i + 3] = UInt8(a)
                }
            }
        }
        return RGBAImage(width: w, height: h, pixels: out)
    }

    /// PNG bytes of the raster: deterministic (no timestamp), straight RGBA.
    public func pngData() throws -> Data {
        try rgbaImage().pngData()
    }

    /// Writes `pngData()` to `url` atomically, creating missing folders.
    public func savePNG(to url: URL) throws {
        try AtomicFile.write(pngData(), to: url)
    }

    /// The SVG document. Finishes the canvas: draw nothing after. Element ids are
    /// renumbered in order of appearance (cairo numbers surfaces with a process-wide
    /// counter), so the same drawing always gives the same bytes.
    public func svgData() throws -> Data {
        guard backend == .svg, let svgSink else { throw ChartError.wrongBackend("SVG of a raster canvas") }
        if !finished {
            cairo_surface_finish(surface)
            finished = true
            try Canvas.check(cairo_surface_status(surface), "writing SVG")
        }
        return Data(SVGIds.normalized(String(decoding: svgSink.data, as: UTF8.self)).utf8)
    }
}

/// Marker shapes for line charts.
public enum MarkerShape: String, CaseIterable, Sendable {
    case circle, square, triangle, diamond
}

/// Collects the bytes cairo's SVG surface writes.
final class SVGSink {
    var data = Data()
}

private let svgWrite: cairo_write_func_t = { closure, bytes, length in
    guard let closure, let bytes else { return CAIRO_STATUS_WRITE_ERROR }
    let sink = Unmanaged<SVGSink>.fromOpaque(closure).takeUnretainedValue()
    sink.data.append(bytes, count: Int(length))
    return CAIRO_STATUS_SUCCESS
}
