import Foundation
import Storage

/// The binary container of weights and checkpoint files:
///
/// | bytes | content |
/// | --- | --- |
/// | 8 | magic: `KRILLNET` (weights) or `KRILLCKP` (checkpoint) |
/// | 4 | format version, UInt32 little-endian (1) |
/// | 4 | header length H in bytes, UInt32 little-endian |
/// | H | header: UTF-8 JSON with sorted keys (architecture, counts, ...) |
/// | 4 | number of sections S, UInt32 little-endian |
/// | 8 S | element count of each section, UInt64 little-endian |
/// | ... | the sections one after another, raw Float32 little-endian |
///
/// Files are written with `AtomicFile.write` (temporary file, fsync, rename): a reader sees
/// the old file or the new one, never half of one.
enum BlobFile {
    static let version: UInt32 = 1

    static func encode(magic: String, header: Data, sections: [UnsafeBufferPointer<Float>]) -> Data {
        if !(magic.utf8.count == 8) { fatalError("precondition failed: magic.utf8.count == 8") }
        var out = Data()
        let total = sections.reduce(0) { $0 + $1.count }
        out.reserveCapacity(32 + header.count + 8 * sections.count + 4 * total)
        out.append(contentsOf: Array(magic.utf8))
        appendLE(&out, version)
        appendLE(&out, UInt32(header.count))
        out.append(header)
        appendLE(&out, UInt32(sections.count))
        for s in sections { appendLE(&out, UInt64(s.count)) }
        for s in sections {
            // Float32 little-endian: the bit patterns as stored on x86-64 and arm64.
            var bits = [UInt32](repeating: 0, count: s.count)
            for i in 0..<s.count { bits[i] = s[i].bitPattern.littleEndian }
            bits.withUnsafeBytes { out.append(contentsOf: $0) }
        }
        return out
    }

    static func decode(_ data: Data, magic: String, path: String) throws -> (header: Data, sections: [[Float]]) {
        func bad(_ reason: String) -> ConvNetError { .badFile(path: path, reason: reason) }
        var offset = 0
        func take(_ n: Int) throws -> Data {
            guard offset + n <= data.count else { throw bad("truncated at byte \(offset) (file has \(data.count) bytes)") }
            defer { offset += n }
            return data.subdata(in: (data.startIndex + offset)..<(data.startIndex + offset + n))
        }
        let m = try take(8)
        guard String(decoding: m, as: UTF8.self) == magic else { throw bad("not a \(magic) file (magic \(Array(m)))") }
        let v = try readLE(take(4), as: UInt32.self)
        guard v == version else { throw bad("format version \(v), this krill reads \(version)") }
        let h = Int(try readLE(take(4), as: UInt32.self))
        let header = try take(h)
        let count = Int(try readLE(take(4), as: UInt32.self))
        var sizes: [Int] = []
        for _ in 0..<count { sizes.append(Int(try readLE(take(8), as: UInt64.self))) }
        var sections: [[Float]] = []
        for n in sizes {
            let raw = try take(4 * n)
            var values = [Float](repeating: 0, count: n)
            raw.withUnsafeBytes { src in
                for i in 0..<n {
                    values[i] = Float(bitPattern: UInt32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                }
            }
            sections.append(values)
        }
        guard offset == data.count else { throw bad("\(data.count - offset) trailing bytes") }
        return (header, sections)
    }

    static func appendLE<T: FixedWidthInteger>(_ data: inout Data, _ value: T) {
        var v = value.littleEndian
        withUnsafeBytes(of: &v) { data.append(contentsOf: $0) }
    }

    static func readLE<T: FixedWidthInteger>(_ data: Data, as: T.Type) throws -> T {
        var v: T = 0
        _ = withUnsafeMutableBytes(of: &v) { data.copyBytes(to: $0) }
        return T(littleEndian: v)
    }

    /// JSON with sorted keys (stable bytes for the same values).
    static func json<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(value)
    }

    static func decodeJSON<T: Decodable>(_ type: T.Type, from data: Data, path: String) throws -> T {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do { return try decoder.decode(type, from: data) } catch {
            throw ConvNetError.badFile(path: path, reason: "unreadable header: \(error)")
        }
    }
}
