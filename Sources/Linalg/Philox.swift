/// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011):
/// a counter-based generator. The output block is a pure function of a 64-bit key and a
/// 128-bit counter, so any stage, epoch and step can draw its numbers without replaying
/// what came before, and the same (key, counter) gives the same bits on every machine.
public enum Philox4x32 {
    public typealias Block = (UInt32, UInt32, UInt32, UInt32)

    @inline(__always)
    static func mulhilo(_ a: UInt32, _ b: UInt32) -> (hi: UInt32, lo: UInt32) {
        let p = UInt64(a) &* UInt64(b)
        return (UInt32(truncatingIfNeeded: p >> 32), UInt32(truncatingIfNeeded: p))
    }

    /// Ten rounds of Philox4x32.
    /// - Parameters:
    ///   - key: the 64-bit key (the experiment seed).
    ///   - counter: the 128-bit counter as four 32-bit words, lowest first.
    @inline(__always)
    public static func block(key: UInt64, counter: Block) -> Block {
        var k0 = UInt32(truncatingIfNeeded: key)
        var k1 = UInt32(truncatingIfNeeded: key >> 32)
        var c = counter
        for round in 0..<10 {
            if round > 0 {
                k0 = k0 &+ 0x9E37_79B9
                k1 = k1 &+ 0xBB67_AE85
            }
            let m0 = mulhilo(0xD251_1F53, c.0)
            let m1 = mulhilo(0xCD9E_8D57, c.2)
            c = (m1.hi ^ c.1 ^ k0, m1.lo, m0.hi ^ c.3 ^ k1, m0.lo)
        }
        return c
    }
}
