/// Orthogonal Procrustes alignment of one 2-D layout to another over the same points:
/// the rotation (or reflection, when allowed and better) and translation, no scaling,
/// that minimise the summed squared distance to the reference. Used so consecutive
/// t-SNE snapshots of an animation do not spin or flip.
public enum Procrustes {
    /// `layout` (n x 2) moved onto `reference` (n x 2): centred, multiplied by the best
    /// orthogonal 2 x 2 matrix Q (maximising trace(Qᵀ Lᵀ R) in closed form), then shifted
    /// to the reference's mean.
    public static func align(_ layout: [Float], to reference: [Float], allowReflection: Bool = true) -> [Float] {
        precondition(layout.count == reference.count && layout.count % 2 == 0, "Procrustes: layouts differ in size")
        let n = layout.count / 2
        guard n > 0 else { return layout }
        var lm = (0.0, 0.0), rm = (0.0, 0.0)
        for i in 0..<n {
            lm.0 += Double(layout[2 * i]); lm.1 += Double(layout[2 * i + 1])
            rm.0 += Double(reference[2 * i]); rm.1 += Double(reference[2 * i + 1])
        }
        lm = (lm.0 / Double(n), lm.1 / Double(n)); rm = (rm.0 / Double(n), rm.1 / Double(n))
        // M = Lcᵀ Rc (2 x 2).
        var m11 = 0.0, m12 = 0.0, m21 = 0.0, m22 = 0.0
        for i in 0..<n {
            let lx = Double(layout[2 * i]) - lm.0, ly = Double(layout[2 * i + 1]) - lm.1
            let rx = Double(reference[2 * i]) - rm.0, ry = Double(reference[2 * i + 1]) - rm.1
            m11 += lx * rx; m12 += lx * ry; m21 += ly * rx; m22 += ly * ry
        }
        // Row-vector convention y' = y Q. Rotation Q = [[c, s], [-s, c]]: trace = c(m11+m22) + s(m12-m21).
        let rotA = m11 + m22, rotB = m12 - m21
        // Reflection Q = [[c, s], [s, -c]]: trace = c(m11-m22) + s(m12+m21).
        let refA = m11 - m22, refB = m12 + m21
        let useReflection = allowReflection && (refA * refA + refB * refB) > (rotA * rotA + rotB * rotB)
        var q = (1.0, 0.0, 0.0, 1.0)
        if useReflection {
            let r = (refA * refA + refB * refB).squareRoot()
            let c = r > 0 ? refA / r : 1, s = r > 0 ? refB / r : 0
            q = (c, s, s, -c)
        } else {
            let r = (rotA * rotA + rotB * rotB).squareRoot()
            let c = r > 0 ? rotA / r : 1, s = r > 0 ? rotB / r : 0
            q = (c, s, -s, c)
        }
        var out = [Float](repeating: 0, count: layout.count)
        for i in 0..<n {
            let lx = Double(layout[2 * i]) - lm.0, ly = Double(layout[2 * i + 1]) - lm.1
            out[2 * i] = Float(lx * q.0 + ly * q.2 + rm.0)
            out[2 * i + 1] = Float(lx * q.1 + ly * q.3 + rm.1)
        }
        return out
    }
}
