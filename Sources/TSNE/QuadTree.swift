/// A point quadtree over a 2-D layout for Barnes-Hut summation. A node is a leaf
/// (holding one point, or several exactly coincident points) or has four children at
/// `firstChild ..< firstChild + 4` (quadrants x-low/y-low, x-high/y-low, x-low/y-high,
/// x-high/y-high). Each node keeps its point count, centre of mass and squared width,
/// packed in one 32-byte record so a tree walk touches one cache line per node.
struct QuadTree {
    struct Node {
        /// Centre of mass (sum of positions while building).
        var massX: Double
        var massY: Double
        /// (cell width)²
        var width2: Float
        var count: Int32
        /// Index of the first of four children, or -1 for a leaf.
        var firstChild: Int32
        /// The leaf's point, -1 for none (inner nodes: -1).
        var point: Int32
    }

    private(set) var nodes: [Node] = []
    /// Cell centres and half widths, needed while building only.
    private var centerX: [Double] = []
    private var centerY: [Double] = []
    private var halfWidth: [Double] = []
    /// The points in depth-first (Z-curve) order of the tree: neighbours in the layout are
    /// near each other here, which keeps successive tree walks in cache.
    private(set) var order: [Int32] = []

    /// Builds the tree of the n points of `y` (n x 2 row-major).
    init(_ y: UnsafePointer<Float>, n: Int) {
        var minX = Double.infinity, minY = Double.infinity, maxX = -Double.infinity, maxY = -Double.infinity
        for i in 0..<n {
            minX = min(minX, Double(y[2 * i])); maxX = max(maxX, Double(y[2 * i]))
            minY = min(minY, Double(y[2 * i + 1])); maxY = max(maxY, Double(y[2 * i + 1]))
        }
        let width = max(maxX - minX, maxY - minY, 1e-10)
        let capacity = 3 * n + 16
        nodes.reserveCapacity(capacity)
        centerX.reserveCapacity(capacity); centerY.reserveCapacity(capacity); halfWidth.reserveCapacity(capacity)
        addNode((minX + maxX) / 2, (minY + maxY) / 2, width / 2 * (1 + 1e-9))
        for i in 0..<n { insert(i, Double(y[2 * i]), Double(y[2 * i + 1]), y) }
        nodes.withUnsafeMutableBufferPointer { nb in
            for t in 0..<nb.count where nb[t].count > 0 {
                nb[t].massX /= Double(nb[t].count)
                nb[t].massY /= Double(nb[t].count)
            }
        }
        // Depth-first point order.
        order.reserveCapacity(n)
        var stack: [Int32] = [0]
        var duplicates = [Int32](repeating: -1, count: 0)
        _ = duplicates
        var placed = [Bool](repeating: false, count: n)
        while let node = stack.popLast() {
            let record = nodes[Int(node)]
            if record.firstChild >= 0 {
                for c in stride(from: 3, through: 0, by: -1) { stack.append(record.firstChild + Int32(c)) }
            } else if record.point >= 0 && !placed[Int(record.point)] {
                placed[Int(record.point)] = true
                order.append(record.point)
            }
        }
        // Coincident points share a leaf that names only one of them: append the rest.
        if order.count < n { for i in 0..<n where !placed[i] { order.append(Int32(i)) } }
        duplicates = []
    }

    var nodeCount: Int { nodes.count }

    private mutating func addNode(_ cx: Double, _ cy: Double, _ hw: Double) {
        nodes.append(Node(massX: 0, massY: 0, width2: Float(4 * hw * hw), count: 0, firstChild: -1, point: -1))
        centerX.append(cx); centerY.append(cy); halfWidth.append(hw)
    }

    @inline(__always)
    private func quadrant(_ node: Int, _ px: Double, _ py: Double) -> Int {
        (px >= centerX[node] ? 1 : 0) + (py >= centerY[node] ? 2 : 0)
    }

    private mutating func split(_ node: Int) {
        let first = nodes.count
        let hw = halfWidth[node] / 2
        let cx = centerX[node], cy = centerY[node]
        addNode(cx - hw, cy - hw, hw)
        addNode(cx + hw, cy - hw, hw)
        addNode(cx - hw, cy + hw, hw)
        addNode(cx + hw, cy + hw, hw)
        nodes[node].firstChild = Int32(first)
    }

    private mutating func insert(_ i: Int, _ x: Double, _ y: Double, _ positions: UnsafePointer<Float>) {
        var node = 0
        while true {
            nodes[node].count += 1
            nodes[node].massX += x
            nodes[node].massY += y
            if nodes[node].firstChild >= 0 {
                node = Int(nodes[node].firstChild) + quadrant(node, x, y)
                continue
            }
            if nodes[node].point < 0 {
                nodes[node].point = Int32(i)
                return
            }
            let q = Int(nodes[node].point)
            let qx = Double(positions[2 * q]), qy = Double(positions[2 * q + 1])
            // Coincident points (or a cell too small to split further) share a leaf.
            if (qx == x && qy == y) || halfWidth[node] < 1e-12 { return }
            split(node)
            let moved = Int(nodes[node].firstChild) + quadrant(node, qx, qy)
            let others = nodes[node].count - 1
            nodes[moved].count = others
            nodes[moved].massX = qx * Double(others)
            nodes[moved].massY = qy * Double(others)
            nodes[moved].point = Int32(q)
            nodes[node].point = -1
            node = Int(nodes[node].firstChild) + quadrant(node, x, y)
        }
    }
}
