import CImageCodecs
import Foundation

/// Encodes 8-bit grey images as baseline JPEG (libjpeg, fixed settings: the same pixels
/// and quality give the same bytes with the same libjpeg). ZooScan and most plankton
/// imagers export grey JPEGs; `krill synth --format jpeg` writes them for benchmarks.
public enum JPEGEncoder {
    /// JPEG bytes of a grey image at `quality` (1-100).
    public static func encode(_ image: GrayImage, quality: Int = 90) throws -> Data {
        guard image.width >= 1, image.height >= 1, (1...100).contains(quality) else {
            throw ImagingError.encodingFailed(reason: "JPEG of \(image.width)x\(image.height) at quality \(quality): out of range")
        }
        var bytes: UnsafeMutablePointer<UInt8>? = nil
        var size = 0
        let (status, message) = image.pixels.withUnsafeBufferPointer { buffer in
            CodecCall.withMessage { message, capacity in
                krill_jpeg_encode_gray(buffer.baseAddress, UInt32(image.width), UInt32(image.height), Int32(quality),
                                       &bytes, &size, message, capacity)
            }
        }
        guard status == KRILL_IMG_OK, let bytes else {
            throw ImagingError.encodingFailed(reason: message.isEmpty ? "status \(status)" : message)
        }
        return Data(bytesNoCopy: bytes, count: size, deallocator: .custom { pointer, _ in krill_image_free(pointer) })
    }
}
