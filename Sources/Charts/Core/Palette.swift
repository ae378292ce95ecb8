/// Categorical colours for classes and series.
public enum Palette {
    /// 40 colours for classes, hand-ordered: the nine saturated Tableau-10 colours first
    /// (grey left out: it reads as "background"), then colours picked greedily to be as far
    /// as possible (CIE L*a*b*) from all earlier ones, restricted to lightness 28...72 and
    /// chroma >= 25 so small dots stay visible on white. Any two of the first 30 differ by
    /// more than 27 (CIE76 delta E); the tests hold them to that. Beyond 40 the list repeats.
    public static let categorical: [RGB] = [
        0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd, 0x8c564b, 0xe377c2, 0xbcbd22, 0x17becf,
        0x0000ff, 0xff22ff, 0x115533, 0x6600aa, 0xff0077, 0xaaaa77, 0x996600, 0x0066ff, 0x880044,
        0xff8888, 0x00bb88, 0xdd00aa, 0x556600, 0xdd77ff, 0x00cc00, 0x664466, 0xaaaadd, 0x0044aa,
        0x771177, 0x882211, 0xaa00ff, 0xdd9966, 0x6699ff, 0xff0000, 0x117788, 0xdd9900, 0x554411,
        0x00bbff, 0x5544ff, 0x88bb66, 0xcc8899,
    ].map { RGB(hex: $0) }

    /// The colour of class (or series) `index`; wraps around after 40.
    public static func color(_ index: Int) -> RGB {
        categorical[((index % categorical.count) + categorical.count) % categorical.count]
    }
}
