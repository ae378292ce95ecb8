import Foundation

/// The safetensors format (huggingface/safetensors), which `safetensors.torch.load_file`
/// reads: an 8-byte little-endian header length N, N bytes of JSON header, then the tensor
/// data, packed without gaps in header order. The header maps each tensor name to
/// `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets into the data section) and
/// may hold `"__metadata__"`, a string-to-string map. krill writes F32 (and I64 for
/// counters) little-endian, pads the header with spaces to a multiple of 8 bytes, and lists
/// tensors in the order given.
public enum Safetensors {
    /// One tensor: its name, element type, shape (row-major, C order) and raw little-endian bytes.
    public struct Tensor: Sendable, Equatable {
        public enum DType: String, Sendable {
            case f32 = "F32"
            case i64 = "I64"

            public var size: Int { self == .f32 ? 4 : 8 }
        }

        public let name: String
        public let dtype: DType
        public let shape: [Int]
        public let bytes: [UInt8]

        public init(name: String, dtype: DType, shape: [Int], bytes: [UInt8]) {
            precondition(bytes.count == shape.reduce(1, *) * dtype.size, "\(name): \(bytes.count) bytes for shape \(shape)")
            self.name = name
            self.dtype = dtype
            self.shape = shape
            self.bytes = bytes
        }

        /// A Float32 tensor of `shape` from values in row-major order.
        public init(name: String, shape: [Int], floats: [Float]) {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(floats.count * 4)
            for v in floats { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
            self.init(name: name, dtype: .f32, shape: shape, bytes: bytes)
        }

        /// An Int64 scalar (shape []), such as batch norm's `num_batches_tracked`.
        public init(name: String, int64 value: Int64) {
            var bytes: [UInt8] = []
            withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
            self.init(name: name, dtype: .i64, shape: [], bytes: bytes)
        }

        /// The values of a Float32 tensor.
        public var floats: [Float] {
            precondition(dtype == .f32, "\(name) is \(dtype.rawValue), not F32")
            return stride(from: 0, to: bytes.count, by: 4).map { i in
                Float(bitPattern: UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24)
            }
        }
    }

    /// The file's bytes for `tensors` (in this order) and `metadata`.
    public static func encode(_ tensors: [Tensor], metadata: [String: String] = [:]) -> [UInt8] {
        var header: [(String, JSONValue)] = []
        var offset = 0
        for t in tensors {
            header.append((t.name, .object(["dtype": .string(t.dtype.rawValue), "shape": .array(t.shape.map { .int($0) }),
                                            "data_offsets": .array([.int(offset), .int(offset + t.bytes.count)])])))
            offset += t.bytes.count
        }
        // Tensor entries in data order (the format does not require it; readers are helped),
        // then the metadata, each rendered canonically.
        var json = "{"
        if !metadata.isEmpty {
            json += JSONValue.string("__metadata__").canonical + ":" + JSONValue.object(metadata.mapValues { .string($0) }).canonical
        }
        for (i, (name, value)) in header.enumerated() {
            if i > 0 || !metadata.isEmpty { json += "," }
            json += JSONValue.string(name).canonical + ":" + value.canonical
        }
        json += "}"
        var headerBytes = Array(json.utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }
        var out: [UInt8] = []
        out.reserveCapacity(8 + headerBytes.count + offset)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { out += $0 }
        out += headerBytes
        for t in tensors { out += t.bytes }
        return out
    }

    /// Reads a safetensors file's tensors (in data order) and metadata.
    /// - Throws: `StorageError.format` naming what is wrong.
    public static func decode(_ bytes: [UInt8], source: String = "<safetensors>") throws -> (tensors: [Tensor], metadata: [String: String]) {
        func fail(_ why: String) -> StorageError { .format(path: source, reason: "not a safetensors file: \(why)") }
        guard bytes.count >= 8 else { throw fail("shorter than its header length") }
        var n: UInt64 = 0
        for i in 0..<8 { n |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard n <= UInt64(bytes.count - 8) else { throw fail("header of \(n) bytes in a \(bytes.count)-byte file") }
        let dataStart = 8 + Int(n)
        let header = try JSONValue.parse(Data(bytes[8..<dataStart]), source: source)
        guard case .object(let entries) = header else { throw fail("the header is not a JSON object") }
        var metadata: [String: String] = [:]
        var tensors: [(Int, Tensor)] = []
        for (name, entry) in entries {
            if name == "__metadata__" {
                guard case .object(let m) = entry else { throw fail("__metadata__ is not an object") }
                for (k, v) in m {
                    guard case .string(let s) = v else { throw fail("metadata '\(k)' is not a string") }
                    metadata[k] = s
                }
                continue
            }
            guard let dtypeName = entry["dtype"]?.stringValue, let dtype = Tensor.DType(rawValue: dtypeName) else {
                throw fail("tensor '\(name)' has dtype \(entry["dtype"]?.stringValue ?? "?"), krill reads F32 and I64")
            }
            guard let shape = entry["shape"]?.arrayValue?.compactMap(\.intValue),
                  let offsets = entry["data_offsets"]?.arrayValue?.compactMap(\.intValue), offsets.count == 2,
                  offsets[0] >= 0, offsets[0] <= offsets[1], dataStart + offsets[1] <= bytes.count,
                  offsets[1] - offsets[0] == shape.reduce(1, *) * dtype.size else {
                throw fail("tensor '\(name)': bad shape or data_offsets")
            }
            tensors.append((offsets[0], Tensor(name: name, dtype: dtype, shape: shape,
                                               bytes: Array(bytes[(dataStart + offsets[0])..<(dataStart + offsets[1])]))))
        }
        return (tensors.sorted { $0.0 < $1.0 }.map(\.1), metadata)
    }
}
