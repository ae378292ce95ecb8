/// Why an image could not be read, decoded, encoded or written.
///
/// Every case that concerns a file carries its name (as the caller gave it: a relative
/// path stays relative), and `description` starts with it, then the reason:
/// `data/x/3.jpg: truncated JPEG (Premature end of JPEG file)`,
/// `notes.txt: not a PNG or JPEG image`, `a.png: empty file`.
public enum ImagingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file could not be opened or read; `reason` is the system's (strerror) text.
    case unreadable(file: String, reason: String)
    /// The file (or data) has zero bytes.
    case emptyFile(file: String)
    /// The bytes start with neither the PNG nor the JPEG signature.
    case notAnImage(file: String)
    /// The data ends before the image does; `detail` is the codec's message.
    case truncated(file: String, format: ImageFormat, detail: String)
    /// The data is damaged (bad CRC, bad Huffman code, invalid header, ...).
    case corrupt(file: String, format: ImageFormat, detail: String)
    /// A valid image this decoder does not convert (for example a CMYK JPEG).
    case unsupported(file: String, format: ImageFormat, detail: String)
    /// Wider or taller than 65535 pixels, or more than 2^28 pixels in all.
    case tooLarge(file: String, format: ImageFormat, detail: String)
    /// Memory could not be allocated while decoding or encoding.
    case outOfMemory(file: String)
    /// Encoding failed (invalid size or pixel count for the encoder).
    case encodingFailed(reason: String)
    /// Writing the file failed; nothing was left at its final path.
    case writeFailed(file: String, reason: String)

    /// The file the error is about, when there is one.
    public var file: String? {
        switch self {
        case .unreadable(let file, _), .emptyFile(let file), .notAnImage(let file),
             .truncated(let file, _, _), .corrupt(let file, _, _), .unsupported(let file, _, _),
             .tooLarge(let file, _, _), .outOfMemory(let file), .writeFailed(let file, _):
            return file
        case .encodingFailed:
            return nil
        }
    }

    public var description: String {
        switch self {
        case .unreadable(let file, let reason):
            return "\(file): cannot read file (\(reason))"
        case .emptyFile(let file):
            return "\(file): empty file"
        case .notAnImage(let file):
            return "\(file): not a PNG or JPEG image"
        case .truncated(let file, let format, let detail):
            return "\(file): truncated \(format)\(Self.parenthesised(detail))"
        case .corrupt(let file, let format, let detail):
            return "\(file): corrupt \(format)\(Self.parenthesised(detail))"
        case .unsupported(let file, let format, let detail):
            return "\(file): unsupported \(format)\(Self.parenthesised(detail))"
        case .tooLarge(let file, let format, let detail):
            return "\(file): \(format) image too large\(Self.parenthesised(detail))"
        case .outOfMemory(let file):
            return "\(file): out of memory"
        case .encodingFailed(let reason):
            return "cannot encode PNG (\(reason))"
        case .writeFailed(let file, let reason):
            return "\(file): cannot write file (\(reason))"
        }
    }

    private static func parenthesised(_ detail: String) -> String {
        detail.isEmpty ? "" : " (\(detail))"
    }
}
