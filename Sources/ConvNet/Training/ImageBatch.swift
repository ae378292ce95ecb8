import Datasets
import Linalg

/// Turns store rows into the network's input: (N, S, S, 1) floats with
/// x = 1 - pixel / 255, so the white background is 0 and ink is positive up to 1
/// (zero padding in the convolutions then looks like background).
public enum ImageBatch {
    /// One of the 8 symmetries of the square: rotate by `quarterTurns` x 90 degrees
    /// (counter-clockwise) after an optional left-right mirror.
    public struct Symmetry: Equatable, Sendable {
        public var flip: Bool
        public var quarterTurns: Int
        public static let identity = Symmetry(flip: false, quarterTurns: 0)
        public init(flip: Bool, quarterTurns: Int) {
            self.flip = flip
            self.quarterTurns = quarterTurns & 3
        }
    }

    /// The symmetries of a training batch: for image i in batch order, first a flip bit
    /// (`below(2)`, when flipping is on), then a quarter-turn count (`below(4)`, when
    /// rotating is on), all from `RandomStream(seed, "augment", epoch, step)`.
    public static func augmentation(_ config: AugmentConfig, count: Int, seed: UInt64, epoch: Int, step: Int) -> [Symmetry] {
        guard config.flip || config.rotate90 else { return Array(repeating: .identity, count: count) }
        var rng = RandomStream(seed: seed, "augment", epoch, step)
        return (0..<count).map { _ in
            let flip = config.flip ? rng.below(2) == 1 : false
            let turns = config.rotate90 ? rng.below(4) : 0
            return Symmetry(flip: flip, quarterTurns: turns)
        }
    }

    /// Writes image `rows[i]` (transformed by `symmetries[i]` when given) as slot i of `output`.
    /// - Parameter output: (rows.count, S, S, 1) floats, overwritten.
    public static func load(store: ImageStore, rows: [Int], symmetries: [Symmetry]? = nil,
                            into output: UnsafeMutablePointer<Float>) {
        let s = store.side
        for (i, row) in rows.enumerated() {
            let px = store.pixels(row)
            let dst = output + i * s * s
            let sym = symmetries?[i] ?? .identity
            write(px.baseAddress!, side: s, symmetry: sym, into: dst)
        }
    }

    /// dst(x, y) = normalised src(T(x, y)) for the symmetry T.
    static func write(_ src: UnsafePointer<UInt8>, side s: Int, symmetry: Symmetry, into dst: UnsafeMutablePointer<Float>) {
        let scale: Float = 1 / 255
        if symmetry == .identity {
            for i in 0..<(s * s) { dst[i] = 1 - Float(src[i]) * scale }
            return
        }
        let last = s - 1
        for y in 0..<s {
            for x in 0..<s {
                // Inverse map: which source pixel lands on (x, y).
                var sx: Int, sy: Int
                switch symmetry.quarterTurns {
                case 1: sx = last - y; sy = x
                case 2: sx = last - x; sy = last - y
                case 3: sx = y; sy = last - x
                default: sx = x; sy = y
                }
                if symmetry.flip { sx = last - sx }
                dst[y * s + x] = 1 - Float(src[sy * s + sx]) * scale
            }
        }
    }
}
