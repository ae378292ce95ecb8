/// A point quadtree over a 2-D layout for Barnes-Hut summation. Nodes live in flat
/// arrays; a node is a leaf (holding one point, or several exactly coincident points)
/// or has four children at `firstChild ..< firstChild + 4` (quadrants in the order
/// x-low/y-low, x-high/y-low, x-low/y-high, x-high/y-high). Each node keeps its point
/// count and centre of mass.
struct QuadTree {
    var centerX: [Double] = []
    var centerY: [Double] = []
    var halfWidth: [Double] = []
    var massX: [Double] = []
    var massY: [Double] = []
    var count: [Int32] = []
    var firstChild: [Int32] = []
    var point: [Int32] = []

    /// Builds the tree of the n points of `y` (n x 2 row-major).
    init(_ y: UnsafePointer<Float>, n: Int) {
        var minX = Double.infinity, minY = Double.infinity, maxX = -Double.infinity, maxY = -Double.infinity
        for i in 0..<n {
            minX = min(minX, Double(y[2 * i])); maxX = max(maxX, Double(y[2 * i]))
            minY = min(minY, Double(y[2 * i + 1])); maxY = max(maxY, Double(y[2 * i + 1]))
        }
        let width = max(maxX - minX, maxY - minY, 1e-10)
        let capacity = 4 * n + 1
        centerX.reserveCapacity(capacity); centerY.reserveCapacity(capacity); halfWidth.reserveCapacity(capacity)
        massX.reserveCapacity(capacity); massY.reserveCapacity(capacity); count.reserveCapacity(capacity)
        firstChild.reserveCapacity(capacity); point.reserveCapacity(capacity)
        addNode((minX + maxX) / 2, (minY + maxY) / 2, width / 2 * (1 + 1e-9))
        for i in 0..<n { insert(i, Double(y[2 * i]), Double(y[2 * i + 1])) }
        for node in 0..<count.count where count[node] > 0 {
            massX[node] /= Double(count[node])
            massY[node] /= Double(count[node])
        }
    }

    var nodeCount: Int { count.count }

    private mutating func addNode(_ cx: Double, _ cy: Double, _ hw: Double) {
        centerX.append(cx); centerY.append(cy); halfWidth.append(hw)
        massX.append(0); massY.append(0); count.append(0); firstChild.append(-1); point.append(-1)
    }

    @inline(__always)
    private func quadrant(_ node: Int, _ px: Double, _ py: Double) -> Int {
        (px >= centerX[node] ? 1 : 0) + (py >= centerY[node] ? 2 : 0)
    }

    private mutating func split(_ node: Int) {
        let first = count.count
        let hw = halfWidth[node] / 2
        let cx = centerX[node], cy = centerY[node]
        addNode(cx - hw, cy - hw, hw)
        addNode(cx + hw, cy - hw, hw)
        addNode(cx - hw, cy + hw, hw)
        addNode(cx + hw, cy + hw, hw)
        firstChild[node] = Int32(first)
    }

    /// Positions of points, kept while building to move a leaf's point down on a split.
    private var px: [Double] = []
    private var py: [Double] = []

    private mutating func insert(_ i: Int, _ x: Double, _ y: Double) {
        px.append(x); py.append(y)
        var node = 0
        while true {
            count[node] += 1
            massX[node] += x
            massY[node] += y
            if firstChild[node] >= 0 {
                node = Int(firstChild[node]) + quadrant(node, x, y)
                continue
            }
            if point[node] < 0 {
                point[node] = Int32(i)
                return
            }
            let q = Int(point[node])
            // Coincident points (or a cell too small to split further) share a leaf.
            if (px[q] == x && py[q] == y) || halfWidth[node] < 1e-12 { return }
            split(node)
            let moved = Int(firstChild[node]) + quadrant(node, px[q], py[q])
            let others = count[node] - 1
            count[moved] = others
            massX[moved] = px[q] * Double(others)
            massY[moved] = py[q] * Double(others)
            point[moved] = Int32(q)
            point[node] = -1
            node = Int(firstChild[node]) + quadrant(node, x, y)
        }
    }
}
