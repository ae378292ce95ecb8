import Foundation

/// An image file format krill reads, recognised by its magic bytes (never by the file
/// name's extension: a `.jpg` that holds PNG bytes decodes as PNG).
public enum ImageFormat: String, Sendable, CaseIterable, CustomStringConvertible {
    /// PNG: starts with the 8-byte signature `89 50 4E 47 0D 0A 1A 0A`.
    case png
    /// JPEG (JFIF, Exif, ...): starts with the SOI marker `FF D8` and another marker `FF`.
    case jpeg

    /// The format whose signature starts `bytes`, or nil (too short, or something else).
    public init?<Bytes: Collection>(magic bytes: Bytes) where Bytes.Element == UInt8 {
        let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        if bytes.starts(with: pngSignature) {
            self = .png
        } else if bytes.starts(with: [0xFF, 0xD8, 0xFF]) {
            self = .jpeg
        } else {
            return nil
        }
    }

    /// The format of `data` by its magic bytes, or nil.
    public static func detect(_ data: Data) -> ImageFormat? {
        ImageFormat(magic: data.prefix(8))
    }

    /// File name extensions (lowercase, without the dot) that usually hold this format:
    /// for listing candidate files only, never for deciding how to decode.
    public var fileExtensions: [String] {
        switch self {
        case .png: return ["png"]
        case .jpeg: return ["jpg", "jpeg", "jpe", "jfif"]
        }
    }

    /// "PNG" or "JPEG", as used in messages.
    public var description: String {
        switch self {
        case .png: return "PNG"
        case .jpeg: return "JPEG"
        }
    }
}
