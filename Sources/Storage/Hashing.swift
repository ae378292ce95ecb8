/// FNV-1a (64-bit) of bytes: a fast, stable, non-cryptographic hash. The same on every
/// machine and process, unlike `Hasher`; used for random-stream labels and memo keys.
public func fnv1a64<S: Sequence>(_ bytes: S) -> UInt64 where S.Element == UInt8 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
    return h
}
