import CImageCodecs

/// Internal glue for calling the C shim: a message buffer for its error text, and the
/// mapping from its status codes to `ImagingError`.
enum CodecCall {
    /// Bytes reserved for the shim's message (libjpeg's longest is 200).
    static let messageCapacity = 256

    /// Calls `body` with a zeroed message buffer; returns its status and the message.
    static func withMessage(_ body: (UnsafeMutablePointer<CChar>, Int) -> Int32) -> (status: Int32, message: String) {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: messageCapacity) { buffer in
            buffer.initialize(repeating: 0)
            guard let base = buffer.baseAddress else { return (KRILL_IMG_ERR_NO_MEMORY, "no message buffer") }
            let status = body(base, buffer.count - 1)  // the last byte stays NUL
            return (status, String(cString: base))
        }
    }

    /// The error for a failed decode or probe of `file`, whose signature said `format`.
    static func decodeError(status: Int32, message: String, file: String, format: ImageFormat) -> ImagingError {
        switch status {
        case KRILL_IMG_ERR_TRUNCATED: return .truncated(file: file, format: format, detail: message)
        case KRILL_IMG_ERR_UNSUPPORTED: return .unsupported(file: file, format: format, detail: message)
        case KRILL_IMG_ERR_TOO_LARGE: return .tooLarge(file: file, format: format, detail: message)
        case KRILL_IMG_ERR_NO_MEMORY: return .outOfMemory(file: file)
        default: return .corrupt(file: file, format: format, detail: message)
        }
    }

    /// Copies `count` bytes the shim allocated into a Swift array and frees them.
    static func adopt(_ pixels: UnsafeMutablePointer<UInt8>, count: Int) -> [UInt8] {
        defer { krill_image_free(pixels) }
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let base = buffer.baseAddress { base.initialize(from: pixels, count: count) }
            initialized = count
        }
    }
}
