import CImageCodecs
import Foundation
import Storage

/// Encodes 8-bit grey and RGBA images as PNG, deterministically: fixed settings (bit
/// depth 8, no interlace, zlib level 6, adaptive filters) and no timestamp or text chunks,
/// so the same pixels always give the same bytes (with the same libpng and zlib).
public enum PNGEncoder {
    /// PNG bytes of a grey image (colour type 0, 8 bits). Needs width and height >= 1.
    public static func encode(_ image: GrayImage) throws -> Data {
        try encode(pixels: image.pixels, width: image.width, height: image.height, channels: 1)
    }

    /// PNG bytes of an RGBA image (colour type 6, 8 bits per channel, straight alpha).
    /// - Parameter pixels: `width * height * 4` bytes, row-major, R G B A per pixel.
    public static func encodeRGBA(width: Int, height: Int, pixels: [UInt8]) throws -> Data {
        try encode(pixels: pixels, width: width, height: height, channels: 4)
    }

    /// Encodes `image` and writes it to `url` atomically (`Storage.AtomicFile`), creating
    /// missing folders. `sync: false` skips the fsyncs (bulk writers sync once at the end).
    /// - Throws: `ImagingError.writeFailed` naming the file.
    public static func write(_ image: GrayImage, to url: URL, sync: Bool = true) throws {
        try writeFile(encode(image), to: url, sync: sync)
    }

    /// Encodes an RGBA image and writes it to `url` atomically, as `write`.
    public static func writeRGBA(width: Int, height: Int, pixels: [UInt8], to url: URL, sync: Bool = true) throws {
        try writeFile(encodeRGBA(width: width, height: height, pixels: pixels), to: url, sync: sync)
    }

    private static func writeFile(_ data: Data, to url: URL, sync: Bool) throws {
        do {
            try AtomicFile.write(data, to: url, durable: sync)
        } catch StorageError.io(_, _, let code) {
            throw ImagingError.writeFailed(file: url.path, reason: FileBytes.systemReason(code))
        }
    }

    private static func encode(pixels: [UInt8], width: Int, height: Int, channels: Int) throws -> Data {
        guard width >= 1, height >= 1, width <= Int(KRILL_IMG_MAX_SIDE), height <= Int(KRILL_IMG_MAX_SIDE) else {
            throw ImagingError.encodingFailed(reason: "image size \(width)x\(height) out of range 1...\(KRILL_IMG_MAX_SIDE)")
        }
        guard pixels.count == width * height * channels else {
            throw ImagingError.encodingFailed(
                reason: "\(width)x\(height)x\(channels) needs \(width * height * channels) bytes, got \(pixels.count)")
        }
        var bytes: UnsafeMutablePointer<UInt8>? = nil
        var size = 0
        let (status, message) = pixels.withUnsafeBufferPointer { buffer in
            CodecCall.withMessage { message, capacity in
                krill_png_encode(buffer.baseAddress, UInt32(width), UInt32(height), Int32(channels),
                                 &bytes, &size, message, capacity)
            }
        }
        guard status == KRILL_IMG_OK, let bytes else {
            throw ImagingError.encodingFailed(reason: message.isEmpty ? "status \(status)" : message)
        }
        return Data(bytesNoCopy: bytes, count: size, deallocator: .custom { pointer, _ in krill_image_free(pointer) })
    }
}
