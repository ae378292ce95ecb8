import CCairo
import Foundation

extension RGBAImage {
    /// Decodes PNG bytes (any colour type) through cairo's PNG reader, to straight RGBA.
    /// Used to compare rendered charts with stored snapshots pixel by pixel.
    /// - Throws: `ChartError.cairo` when the bytes are not a readable PNG.
    public init(pngData: Data) throws {
        let reader = PNGReader(pngData)
        let unmanaged = Unmanaged.passRetained(reader)
        defer { unmanaged.release() }
        let surface = cairo_image_surface_create_from_png_stream(pngRead, unmanaged.toOpaque())!
        defer { cairo_surface_destroy(surface) }
        try Canvas.check(cairo_surface_status(surface), "reading PNG")
        let w = Int(cairo_image_surface_get_width(surface)), h = Int(cairo_image_surface_get_height(surface))
        let stride = Int(cairo_image_surface_get_stride(surface))
        let format = cairo_image_surface_get_format(surface)
        cairo_surface_flush(surface)
        guard let data = cairo_image_surface_get_data(surface) else { throw ChartError.cairo("PNG without pixels") }
        var out = [UInt8](repeating: 0, count: w * h * 4)
        for y in 0..<h {
            let row = UnsafeRawPointer(data + y * stride).assumingMemoryBound(to: UInt32.self)
            for x in 0..<w {
                let p = row[x]
                let a = format == CAIRO_FORMAT_ARGB32 ? p >> 24 : 255
                var r = (p >> 16) & 0xff, g = (p >> 8) & 0xff, b = p & 0xff
                if a != 255 && a != 0 {
                    r = (r * 255 + a / 2) / a; g = (g * 255 + a / 2) / a; b = (b * 255 + a / 2) / a
                }
                let i = (y * w + x) * 4
                out[i] = UInt8(min(r, 255)); out[i + 1] = UInt8(min(g, 255)); out[i + 2] = UInt8(min(b, 255))
                out[i + 3] = UInt8(a)
            }
        }
        self.init(width: w, height: h, pixels: out)
    }
}

final class PNGReader {
    let data: Data
    var offset = 0
    init(_ data: Data) { self.data = data }
}

private let pngRead: cairo_read_func_t = { closure, buffer, length in
    guard let closure, let buffer else { return CAIRO_STATUS_READ_ERROR }
    let reader = Unmanaged<PNGReader>.fromOpaque(closure).takeUnretainedValue()
    let n = Int(length)
    guard reader.offset + n <= reader.data.count else { return CAIRO_STATUS_READ_ERROR }
    reader.data.copyBytes(to: buffer, from: (reader.data.startIndex + reader.offset)..<(reader.data.startIndex + reader.offset + n))
    reader.offset += n
    return CAIRO_STATUS_SUCCESS
}
