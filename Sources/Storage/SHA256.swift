import CCrypto
import Foundation

/// SHA-256 through OpenSSL's libcrypto (hardware-accelerated, no build cost).
/// Incremental: `update` any number of times, then `finalize` once.
public struct SHA256 {
    private var context: OpaquePointer

    public init() {
        guard let ctx = EVP_MD_CTX_new() else { fatalError("EVP_MD_CTX_new failed: out of memory") }
        context = ctx
        EVP_DigestInit_ex(context, EVP_sha256(), nil)
    }

    /// Feeds bytes.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        EVP_DigestUpdate(context, base, bytes.count)
    }

    public mutating func update<D: ContiguousBytes>(_ data: D) {
        data.withUnsafeBytes { update($0) }
    }

    public mutating func update(_ string: String) {
        var s = string
        s.withUTF8 { update(UnsafeRawBufferPointer($0)) }
    }

    /// The 32-byte digest; the hasher cannot be used afterwards.
    public mutating func finalize() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var len: UInt32 = 0
        EVP_DigestFinal_ex(context, &out, &len)
        EVP_MD_CTX_free(context)
        return out
    }

    /// Lower-case hex digest of `data`.
    public static func hex<D: ContiguousBytes>(_ data: D) -> String {
        var h = SHA256()
        h.update(data)
        return hexString(h.finalize())
    }

    /// Lower-case hex digest of a string's UTF-8 bytes.
    public static func hex(_ string: String) -> String {
        var h = SHA256()
        h.update(string)
        return hexString(h.finalize())
    }

    /// Lower-case hex digest of a file's content, read in 1 MiB chunks.
    public static func hex(fileAt url: URL) throws -> String {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var h = SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            h.update(chunk)
        }
        return hexString(h.finalize())
    }
}

/// Lower-case hex of bytes.
public func hexString(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    out.reserveCapacity(bytes.count * 2)
    for b in bytes {
        out.append(digits[Int(b >> 4)])
        out.append(digits[Int(b & 15)])
    }
    return String(decoding: out, as: UTF8.self)
}
