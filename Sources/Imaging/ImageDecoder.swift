import CImageCodecs
import Foundation

/// Format, width and height of an image, read from its header (pixels not decoded).
public typealias ImageHeader = (format: ImageFormat, width: Int, height: Int)

/// Decodes PNG and JPEG files to 8-bit grey (`GrayImage`), and probes their size.
///
/// The format comes from the magic bytes, never from the file name. Every failure throws
/// an `ImagingError` that names the file (`name`, or the URL's path as given) and says
/// why; a bad file never crashes or exits the process.
///
/// Conversion to grey (done in the C shim, see `image_codecs.h`):
/// - JPEG: libjpeg's `JCS_GRAYSCALE` output (the Y channel).
/// - PNG: any colour type and bit depth; colour becomes
///   `(19595 R + 38470 G + 7471 B + 32768) >> 16` (the same integer formula as libjpeg, so
///   a PNG and a JPEG of one picture agree); alpha and tRNS are composited onto white;
///   16-bit samples are scaled with rounding, `round(v * 255 / 65535)`; no gamma.
public enum ImageDecoder {
    /// Bytes read from a file for `probe(contentsOf:)` before falling back to the whole
    /// file (a JPEG's size marker may follow large Exif/ICC segments).
    public static let probePrefixBytes = 64 * 1024

    /// Decodes PNG or JPEG bytes to grey; `name` is used in error messages.
    /// - Returns: an image of the file's width x height pixels (0 black ... 255 white).
    /// - Throws: `ImagingError` (`emptyFile`, `notAnImage`, `truncated`, `corrupt`, ...).
    public static func decodeGray(data: Data, name: String) throws -> GrayImage {
        guard !data.isEmpty else { throw ImagingError.emptyFile(file: name) }
        guard let format = ImageFormat.detect(data) else { throw ImagingError.notAnImage(file: name) }
        return try data.withUnsafeBytes { raw in
            try decodeGray(raw.bindMemory(to: UInt8.self), format: format, name: name)
        }
    }

    /// Reads and decodes the image file at `url`. Errors name the file as `name`, by
    /// default the URL's path as it was given (`URL(fileURLWithPath: "data/x/3.jpg")`
    /// stays `data/x/3.jpg`).
    public static func decodeGray(contentsOf url: URL, name: String? = nil) throws -> GrayImage {
        let label = name ?? url.relativePath
        let (data, _) = try FileBytes.read(url, name: label)
        return try decodeGray(data: data, name: label)
    }

    /// The format and size in pixels from the header of PNG or JPEG bytes, without
    /// decoding the pixels. A JPEG's header must be complete (up to its frame marker).
    public static func probe(data: Data, name: String) throws -> ImageHeader {
        guard !data.isEmpty else { throw ImagingError.emptyFile(file: name) }
        guard let format = ImageFormat.detect(data) else { throw ImagingError.notAnImage(file: name) }
        var width: UInt32 = 0
        var height: UInt32 = 0
        var found: Int32 = 0
        let (status, message) = data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            return CodecCall.withMessage { message, capacity in
                krill_image_probe(bytes.baseAddress, bytes.count, &found, &width, &height, message, capacity)
            }
        }
        guard status == KRILL_IMG_OK else {
            throw CodecCall.decodeError(status: status, message: message, file: name, format: format)
        }
        return (format, Int(width), Int(height))
    }

    /// The format and size of the image file at `url`, reading only its first
    /// `probePrefixBytes` bytes unless the header continues beyond them.
    public static func probe(contentsOf url: URL, name: String? = nil) throws -> ImageHeader {
        let label = name ?? url.relativePath
        let (prefix, complete) = try FileBytes.read(url, name: label, limit: probePrefixBytes)
        do {
            return try probe(data: prefix, name: label)
        } catch ImagingError.truncated(_, _, _) where !complete {
            let (data, _) = try FileBytes.read(url, name: label)
            return try probe(data: data, name: label)
        }
    }

    /// Decodes `bytes` (non-empty, signature of `format`) with the shim.
    static func decodeGray(_ bytes: UnsafeBufferPointer<UInt8>, format: ImageFormat, name: String) throws -> GrayImage {
        var pixels: UnsafeMutablePointer<UInt8>? = nil
        var width: UInt32 = 0
        var height: UInt32 = 0
        let (status, message) = CodecCall.withMessage { message, capacity in
            switch format {
            case .png:
                return krill_png_decode_gray(bytes.baseAddress, bytes.count, &pixels, &width, &height,
                                             message, capacity)
            case .jpeg:
                return krill_jpeg_decode_gray(bytes.baseAddress, bytes.count, &pixels, &width, &height,
                                              message, capacity)
            }
        }
        guard status == KRILL_IMG_OK, let pixels else {
            throw CodecCall.decodeError(status: status, message: message, file: name, format: format)
        }
        let count = Int(width) * Int(height)
        return GrayImage(width: Int(width), height: Int(height), pixels: CodecCall.adopt(pixels, count: count))
    }
}
