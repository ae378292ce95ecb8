/// The assignment problem by the Hungarian method in its O(n² m) shortest-augmenting-path
/// form (Kuhn-Munkres with Jonker-Volgenant style potentials): one column per row, each
/// column at most once, minimising the summed cost. Rectangular matrices are solved
/// directly when rows <= cols and through the transpose otherwise.
public enum Hungarian {
    /// Solves min Σ cost[i][assignment[i]] over rows x cols costs (row-major).
    /// - Returns: for each row its column, or -1 for the rows - cols rows left
    ///   unassigned when rows > cols.
    public static func minimize(_ cost: [Double], rows: Int, cols: Int) -> [Int] {
        precondition(cost.count == rows * cols, "Hungarian: \(cost.count) costs for \(rows) x \(cols)")
        if rows == 0 { return [] }
        if cols == 0 { return [Int](repeating: -1, count: rows) }
        if rows > cols {
            var t = [Double](repeating: 0, count: rows * cols)
            for i in 0..<rows { for j in 0..<cols { t[j * rows + i] = cost[i * cols + j] } }
            let colToRow = minimize(t, rows: cols, cols: rows)
            var out = [Int](repeating: -1, count: rows)
            for (j, i) in colToRow.enumerated() where i >= 0 { out[i] = j }
            return out
        }
        let n = rows, m = cols
        // 1-based potentials u (rows), v (columns); p[j] = row matched to column j (0: none).
        var u = [Double](repeating: 0, count: n + 1)
        var v = [Double](repeating: 0, count: m + 1)
        var p = [Int](repeating: 0, count: m + 1)
        var way = [Int](repeating: 0, count: m + 1)
        var minv = [Double](repeating: 0, count: m + 1)
        var used = [Bool](repeating: false, count: m + 1)
        for i in 1...n {
            p[0] = i
            var j0 = 0
            for j in 0...m { minv[j] = .infinity; used[j] = false }
            repeat {
                used[j0] = true
                let i0 = p[j0]
                var delta = Double.infinity
                var j1 = 0
                for j in 1...m where !used[j] {
                    let cur = cost[(i0 - 1) * m + (j - 1)] - u[i0] - v[j]
                    if cur < minv[j] { minv[j] = cur; way[j] = j0 }
                    if minv[j] < delta { delta = minv[j]; j1 = j }
                }
                for j in 0...m {
                    if used[j] { u[p[j]] += delta; v[j] -= delta } else { minv[j] -= delta }
                }
                j0 = j1
            } while p[j0] != 0
            repeat {
                let j1 = way[j0]
                p[j0] = p[j1]
                j0 = j1
            } while j0 != 0
        }
        var out = [Int](repeating: -1, count: n)
        for j in 1...m where p[j] != 0 { out[p[j] - 1] = j - 1 }
        return out
    }

    /// Maximises Σ weight[i][assignment[i]] (e.g. matched counts): `minimize` on -weight.
    public static func maximize(_ weight: [Double], rows: Int, cols: Int) -> [Int] {
        minimize(weight.map { -$0 }, rows: rows, cols: cols)
    }
}
