import Foundation
import Storage

/// Something that can name a random stream: a stage kind ("split"), an epoch, a step.
public protocol StreamLabel {
    /// 64 bits that stand for this label in a stream id.
    var streamBits: UInt64 { get }
}

extension String: StreamLabel {
    /// FNV-1a over the UTF-8 bytes: stable across processes and machines (unlike `hashValue`).
    public var streamBits: UInt64 { fnv1a64(utf8) }
}

extension Int: StreamLabel {
    public var streamBits: UInt64 { UInt64(bitPattern: Int64(self)) }
}

extension UInt64: StreamLabel {
    public var streamBits: UInt64 { self }
}

/// SplitMix64's finaliser: a bijective 64-bit mix with good avalanche.
@inline(__always)
public func splitMix64(_ x: UInt64) -> UInt64 {
    var z = x &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}

/// A seeded, counter-based random stream: Philox4x32-10 keyed by `seed`, with the
/// 128-bit counter split into a 64-bit `stream` id and a 64-bit position.
///
/// Streams are named by labels, e.g. `RandomStream(seed: 42, "sampler", epoch, step)`:
/// each (seed, labels) pair is an independent sequence that starts from position 0,
/// whatever else the program drew before. This is what makes an interrupted run and an
/// uninterrupted one draw the same numbers.
public struct RandomStream: RandomNumberGenerator {
    public let seed: UInt64
    public let stream: UInt64
    /// Index of the next 128-bit Philox block.
    public private(set) var position: UInt64
    private var buffer: Philox4x32.Block = (0, 0, 0, 0)
    private var used = 4

    /// - Parameters:
    ///   - seed: the experiment seed (the Philox key).
    ///   - stream: the stream id (upper half of the counter).
    ///   - position: the first block to draw (lower half of the counter).
    public init(seed: UInt64, stream: UInt64, position: UInt64 = 0) {
        self.seed = seed
        self.stream = stream
        self.position = position
    }

    /// A stream named by labels: `RandomStream(seed: s, "split", classIndex)`.
    public init(seed: UInt64, _ labels: any StreamLabel...) {
        self.init(seed: seed, stream: RandomStream.streamID(labels))
    }

    /// Folds labels into a stream id; different label lists give unrelated ids.
    public static func streamID(_ labels: [any StreamLabel]) -> UInt64 {
        var h: UInt64 = 0x6A09_E667_F3BC_C908
        for label in labels {
            h = splitMix64(h ^ label.streamBits)
        }
        return h
    }

    /// A child stream, independent of this one: `stream.child("augment", imageIndex)`.
    public func child(_ labels: any StreamLabel...) -> RandomStream {
        RandomStream(seed: seed, stream: RandomStream.streamID([stream] + labels))
    }

    /// The next 32 random bits.
    @inline(__always)
    public mutating func nextUInt32() -> UInt32 {
        if used == 4 {
            buffer = Philox4x32.block(
                key: seed,
                counter: (UInt32(truncatingIfNeeded: position), UInt32(truncatingIfNeeded: position >> 32),
                          UInt32(truncatingIfNeeded: stream), UInt32(truncatingIfNeeded: stream >> 32)))
            position &+= 1
            used = 0
        }
        defer { used += 1 }
        switch used {
        case 0: return buffer.0
        case 1: return buffer.1
        case 2: return buffer.2
        default: return buffer.3
        }
    }

    /// The next 64 random bits (two 32-bit draws, low word first).
    public mutating func next() -> UInt64 {
        let lo = UInt64(nextUInt32())
        return lo | (UInt64(nextUInt32()) << 32)
    }

    /// Uniform in [0, 1) with 24 random bits: every value is an exact Float.
    @inline(__always)
    public mutating func uniform() -> Float {
        Float(nextUInt32() >> 8) * 0x1p-24
    }

    /// Uniform in [lo, hi).
    @inline(__always)
    public mutating func uniform(_ lo: Float, _ hi: Float) -> Float {
        lo + (hi - lo) * uniform()
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func uniformDouble() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// Uniform integer in 0..<n, unbiased (Lemire's multiply-and-reject).
    /// - Precondition: 0 < n <= UInt32.max
    @inline(__always)
    public mutating func below(_ n: Int) -> Int {
        precondition(n > 0 && n <= Int(UInt32.max), "below(n) needs 0 < n <= 2^32-1, got \(n)")
        let bound = UInt32(n)
        var m = UInt64(nextUInt32()) &* UInt64(bound)
        if UInt32(truncatingIfNeeded: m) < bound {
            let threshold = (0 &- bound) % bound
            while UInt32(truncatingIfNeeded: m) < threshold {
                m = UInt64(nextUInt32()) &* UInt64(bound)
            }
        }
        return Int(m >> 32)
    }

    /// A standard normal draw (Box-Muller on two uniforms; the second value is discarded
    /// so that every call consumes exactly two 32-bit words).
    public mutating func normal() -> Float {
        let u1 = (Double(nextUInt32()) + 1) * 0x1p-32   // (0, 1]
        let u2 = Double(nextUInt32()) * 0x1p-32         // [0, 1)
        return Float((-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2))
    }

    /// Fisher-Yates shuffle driven by `below`, so it depends only on this stream.
    public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            let j = below(i + 1)
            if i != j { array.swapAt(i, j) }
        }
    }

    /// `count` distinct indices from 0..<n in random order (partial Fisher-Yates).
    /// - Precondition: count <= n
    public mutating func sample(_ count: Int, from n: Int) -> [Int] {
        precondition(count <= n, "cannot sample \(count) distinct values from \(n)")
        var pool = Array(0..<n)
        for i in 0..<count {
            let j = i + below(n - i)
            pool.swapAt(i, j)
        }
        return Array(pool[0..<count])
    }
}
