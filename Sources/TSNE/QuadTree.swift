/// A point quadtree over a 2-D layout for Barnes-Hut summation. A node is a leaf
/// (holding one point, or several exactly coincident points) or has four children at
/// `firstChild ..< firstChild + 4` (quadrants x-low/y-low, x-high/y-low, x-low/y-high,
/// x-high/y-high). Each node keeps its point count, centre of mass and squared width,
/// packed in one 20-byte record for the tree walks (the centre of mass is accumulated in
/// Double and stored as Float, which is exact for a leaf: its points' own coordinates).
struct QuadTree {
    struct Node {
        /// Centre of mass.
        var massX: Float
        var massY: Float
        /// (cell width)²
        var width2: Float
        var count: Int32
        /// Index of the first of four children, or -1 for a leaf.
        var firstChild: Int32
    }

    private(set) var nodes: [Node] = []
    /// Building state per node: sums of positions, the leaf's point (-1: none).
    private var sumX: [Double] = []
    private var sumY: [Double] = []
    private var point: [Int32] = []
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
        sumX.reserveCapacity(capacity); sumY.reserveCapacity(capacity); point.reserveCapacity(capacity)
        centerX.reserveCapacity(capacity); centerY.reserveCapacity(capacity); halfWidth.reserveCapacity(capacity)
        addNode((minX + maxX) / 2, (minY + maxY) / 2, width / 2 * (1 + 1e-9))
        for i in 0..<n { insert(i, Double(y[2 * i]), Double(y[2 * i + 1]), y) }
        for t in 0..<nodes.count where nodes[t].count > 0 {
            nodes[t].massX = Float(sumX[t] / Double(nodes[t].count))
            nodes[t].massY = Float(sumY[t] / Double(nodes[t].count))
        }
        // Depth-first point order.
        order.reserveCapacity(n)
        var stack: [Int32] = [0]
        var placed = [Bool](repeating: false, count: n)
        while let node = stack.popLast() {
            let record = nodes[Int(node)]
            if record.firstChild >= 0 {
                for c in stride(from: 3, through: 0, by: -1) { stack.append(record.firstChild + Int32(c)) }
            } else if point[Int(node)] >= 0 && !placed[Int(point[Int(node)])] {
                placed[Int(point[Int(node)])] = true
                order.append(point[Int(node)])
            }
        }
        // Coincident points share a leaf that names only one of them: append the rest.
        if order.count < n { for i in 0..<n where !placed[i] { order.append(Int32(i)) } }
    }

    var nodeCount: Int { nodes.count }

    private mutating func addNode(_ cx: Double, _ cy: Double, _ hw: Double) {
        nodes.append(Node(massX: 0, massY: 0, width2: Float(4 * hw * hw), count: 0, firstChild: -1))
        sumX.append(0); sumY.append(0); point.append(-1)
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
            sumX[node] += x
            sumY[node] += y
            if nodes[node].firstChild >= 0 {
                node = Int(nodes[node].firstChild) + quadrant(node, x, y)
                continue
            }
            if point[node] < 0 {
                point[node] = Int32(i)
                return
            }
            let q = Int(point[node])
            let qx = Double(positions[2 * q]), qy = Double(positions[2 * q + 1])
            // Coincident points (or a cell too small to split further) share a leaf.
            if (qx == x && qy == y) || halfWidth[node] < 1e-12 { return }
            split(node)
            let moved = Int(nodes[node].firstChild) + quadrant(node, qx, qy)
            let others = nodes[node].count - 1
            nodes[moved].count = others
            sumX[moved] = qx * Double(others)
            sumY[moved] = qy * Double(others)
            point[moved] = Int32(q)
            point[node] = -1
            node = Int(nodes[node].firstChild) + quadrant(node, x, y)
        }
    }
}
