import Foundation

/// numpy's `.npy` format (version 1.0, or 2.0 for very long headers) for the one array
/// kind krill stores: a 2-D, little-endian float32, C-order (row-major) matrix, e.g.
/// `embeddings-<split>.npy` with one row per image. `numpy.load` reads what `write`
/// writes; `read` accepts what `numpy.save` writes for such an array (`<f4`,
/// `fortran_order: False`, a 2-tuple shape; a 1-tuple shape is read as N x 1).
public enum NPY {
    /// The magic string every `.npy` file starts with.
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]

    /// The file's bytes for a rows x cols row-major float32 matrix.
    /// - Precondition: `values.count == rows * cols`.
    public static func encode(_ values: [Float], rows: Int, cols: Int) -> Data {
        precondition(values.count == rows * cols, "NPY: \(values.count) values for shape (\(rows), \(cols))")
        var out = preamble(descr: "<f4", shape: [rows, cols])
        values.withUnsafeBufferPointer { buf in
            var le = [UInt32](repeating: 0, count: buf.count)
            for i in 0..<buf.count { le[i] = buf[i].bitPattern.littleEndian }
            le.withUnsafeBytes { out.append(contentsOf: $0) }
        }
        return out
    }

    /// The file's bytes for an array of unsigned bytes (`|u1`) of any shape, C order: e.g.
    /// (N, S, S) grey images.
    public static func encodeBytes(_ values: [UInt8], shape: [Int]) -> Data {
        precondition(values.count == shape.reduce(1, *), "NPY: \(values.count) bytes for shape \(shape)")
        var out = preamble(descr: "|u1", shape: shape)
        out.append(contentsOf: values)
        return out
    }

    /// Magic, version 1.0 and the header dictionary, padded so the data starts at a
    /// multiple of 64 bytes.
    static func preamble(descr: String, shape: [Int]) -> Data {
        let tuple = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(tuple), }"
        // magic(6) + version(2) + header length(2) + header + '\n' is a multiple of 64.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out = Data(magic)
        out.append(contentsOf: [1, 0])
        let length = UInt16(header.utf8.count)
        out.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        out.append(contentsOf: Array(header.utf8))
        return out
    }

    /// Writes a rows x cols row-major float32 matrix to `url` atomically.
    public static func write(_ values: [Float], rows: Int, cols: Int, to url: URL) throws {
        try AtomicFile.write(encode(values, rows: rows, cols: cols), to: url)
    }

    /// Parses `.npy` bytes into (values row-major, rows, cols).
    /// - Throws: `StorageError.format` naming `source` for anything but a 1-D or 2-D
    ///   little-endian float32 C-order array, or a truncated file.
    public static func decode(_ data: Data, source: String = "<npy>") throws -> (values: [Float], rows: Int, cols: Int) {
        let bytes = [UInt8](data)
        func fail(_ reason: String) -> StorageError { .format(path: source, reason: "not a float32 .npy matrix: \(reason)") }
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw fail("bad magic") }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("truncated header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw fail("unsupported version \(major)")
        }
        guard bytes.count >= headerStart + headerLength else { throw fail("truncated header") }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        let compact = header.replacingOccurrences(of: " ", with: "")
        guard compact.contains("'descr':'<f4'") else { throw fail("dtype is not '<f4' (header \(header.trimmingCharacters(in: .whitespacesAndNewlines)))") }
        guard compact.contains("'fortran_order':False") else { throw fail("Fortran order is not supported") }
        guard let open = compact.range(of: "'shape':("),
              let close = compact[open.upperBound...].firstIndex(of: ")") else { throw fail("no shape") }
        let dims = compact[open.upperBound..<close].split(separator: ",").map { Int($0) }
        guard !dims.isEmpty, dims.count <= 2, dims.allSatisfy({ $0 != nil && $0! >= 0 }) else {
            throw fail("shape must have one or two dimensions")
        }
        let rows = dims[0]!
        let cols = dims.count == 2 ? dims[1]! : 1
        let start = headerStart + headerLength
        let count = rows * cols
        guard bytes.count - start >= count * 4 else { throw fail("data truncated: \(bytes.count - start) bytes for \(count) values") }
        var values = [Float](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            for i in 0..<count {
                let bits = raw.loadUnaligned(fromByteOffset: start + 4 * i, as: UInt32.self)
                values[i] = Float(bitPattern: UInt32(littleEndian: bits))
            }
        }
        return (values, rows, cols)
    }

    /// Reads a 2-D float32 `.npy` file.
    public static func read(_ url: URL) throws -> (values: [Float], rows: Int, cols: Int) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw StorageError.io(path: url.path, operation: "read", errno: ENOENT)
        }
        return try decode(data, source: url.path)
    }
}
