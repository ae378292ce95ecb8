/// A dense row-major matrix of Float: element (r, c) is `data[r * cols + c]`.
public struct Matrix: Equatable, Sendable {
    public let rows: Int
    public let cols: Int
    public var data: [Float]

    /// A rows x cols matrix filled with `value`.
    public init(rows: Int, cols: Int, repeating value: Float = 0) {
        precondition(rows >= 0 && cols >= 0, "matrix shape must be non-negative")
        self.rows = rows
        self.cols = cols
        self.data = [Float](repeating: value, count: rows * cols)
    }

    /// Wraps `data` (row-major, count rows * cols).
    public init(rows: Int, cols: Int, data: [Float]) {
        precondition(data.count == rows * cols, "matrix data has \(data.count) values, shape needs \(rows * cols)")
        self.rows = rows
        self.cols = cols
        self.data = data
    }

    /// Builds a matrix from nested rows (all of the same length).
    public init(_ nested: [[Float]]) {
        let cols = nested.first?.count ?? 0
        precondition(nested.allSatisfy { $0.count == cols }, "ragged rows")
        self.init(rows: nested.count, cols: cols, data: nested.flatMap { $0 })
    }

    public subscript(row: Int, col: Int) -> Float {
        get { data[row * cols + col] }
        set { data[row * cols + col] = newValue }
    }

    /// Row `r` as an array.
    public func row(_ r: Int) -> [Float] {
        Array(data[(r * cols)..<((r + 1) * cols)])
    }

    /// The transpose (cols x rows).
    public var transposed: Matrix {
        var t = Matrix(rows: cols, cols: rows)
        for r in 0..<rows {
            for c in 0..<cols { t.data[c * rows + r] = data[r * cols + c] }
        }
        return t
    }

    /// Largest absolute elementwise difference to `other` (same shape).
    public func maxAbsDifference(_ other: Matrix) -> Float {
        precondition(rows == other.rows && cols == other.cols, "shape mismatch")
        var m: Float = 0
        for i in data.indices { m = Swift.max(m, Swift.abs(data[i] - other.data[i])) }
        return m
    }

    /// The matrix product `self * other` through BLAS.
    public static func * (lhs: Matrix, rhs: Matrix) -> Matrix {
        var out = Matrix(rows: lhs.rows, cols: rhs.cols)
        Gemm.multiply(lhs, rhs, into: &out)
        return out
    }
}
