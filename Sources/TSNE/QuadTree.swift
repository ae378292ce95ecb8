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

    /// The nodes, the root first.
    let nodes: [Node]
    /// The points in depth-first (Z-curve) order of the tree: neighbours in the layout are
    /// near each other here, which keeps successive tree walks in cache.
    let order: [Int32]

    var nodeCount: Int { nodes.count }

    /// Builds the tree of the n points of `y` (n x 2 row-major).
    init(_ y: UnsafePointer<Float>, n: Int) {
        var builder = Builder(capacity: 4 * n + 64)
        defer { builder.release() }
        var minX = Double.infinity, minY = Double.infinity, maxX = -Double.infinity, maxY = -Double.infinity
        for i in 0..<n {
            minX = min(minX, Double(y[2 * i])); maxX = max(maxX, Double(y[2 * i]))
            minY = min(minY, Double(y[2 * i + 1])); maxY = max(maxY, Double(y[2 * i + 1]))
        }
        let width = max(maxX - minX, maxY - minY, 1e-10)
        builder.add((minX + maxX) / 2, (minY + maxY) / 2, width / 2 * (1 + 1e-9))
        for i in 0..<n { builder.insert(i, Double(y[2 * i]), Double(y[2 * i + 1]), y) }
        let count = builder.count
        nodes = [Node](unsafeUninitializedCapacity: count) { buffer, initialized in
            for t in 0..<count {
                let m = builder.counts[t]
                let inv = m > 0 ? 1 / Double(m) : 0
                buffer[t] = Node(massX: Float(builder.sumX[t] * inv), massY: Float(builder.sumY[t] * inv),
                                 width2: Float(4 * builder.halfWidth[t] * builder.halfWidth[t]),
                                 count: m, firstChild: builder.firstChild[t])
            }
            initialized = count
        }
        // Depth-first point order; coincident points share a leaf that names only one of
        // them, so the others are appended at the end.
        var order = [Int32]()
        order.reserveCapacity(n)
        var placed = [Bool](repeating: false, count: n)
        var stack: [Int32] = [0]
        while let node = stack.popLast() {
            let first = builder.firstChild[Int(node)]
            if first >= 0 {
                for c in stride(from: 3, through: 0, by: -1) { stack.append(first + Int32(c)) }
            } else {
                let p = builder.point[Int(node)]
                if p >= 0 && !placed[Int(p)] {
                    placed[Int(p)] = true
                    order.append(p)
                }
            }
        }
        if order.count < n { for i in 0..<n where !placed[i] { order.append(Int32(i)) } }
        self.order = order
    }

    /// Building state in manually grown buffers (no array copy-on-write checks in the
    /// insertion loop).
    private struct Builder {
        var capacity: Int
        var count = 0
        var sumX, sumY, centerX, centerY, halfWidth: UnsafeMutablePointer<Double>
        var counts, firstChild, point: UnsafeMutablePointer<Int32>

        init(capacity: Int) {
            self.capacity = capacity
            sumX = .allocate(capacity: capacity); sumY = .allocate(capacity: capacity)
            centerX = .allocate(capacity: capacity); centerY = .allocate(capacity: capacity)
            halfWidth = .allocate(capacity: capacity)
            counts = .allocate(capacity: capacity); firstChild = .allocate(capacity: capacity)
            point = .allocate(capacity: capacity)
        }

        func release() {
            sumX.deallocate(); sumY.deallocate(); centerX.deallocate(); centerY.deallocate()
            halfWidth.deallocate(); counts.deallocate(); firstChild.deallocate(); point.deallocate()
        }

        private static func grow<T>(_ p: inout UnsafeMutablePointer<T>, from old: Int, to new: Int) {
            let q = UnsafeMutablePointer<T>.allocate(capacity: new)
            q.moveInitialize(from: p, count: old)
            p.deallocate()
            p = q
        }

        mutating func add(_ cx: Double, _ cy: Double, _ hw: Double) {
            if count == capacity {
                let new = capacity * 2
                Builder.grow(&sumX, from: count, to: new); Builder.grow(&sumY, from: count, to: new)
                Builder.grow(&centerX, from: count, to: new); Builder.grow(&centerY, from: count, to: new)
                Builder.grow(&halfWidth, from: count, to: new); Builder.grow(&counts, from: count, to: new)
                Builder.grow(&firstChild, from: count, to: new); Builder.grow(&point, from: count, to: new)
                capacity = new
            }
            sumX[count] = 0; sumY[count] = 0
            centerX[count] = cx; centerY[count] = cy; halfWidth[count] = hw
            counts[count] = 0; firstChild[count] = -1; point[count] = -1
            count += 1
        }

        @inline(__always)
        func quadrant(_ node: Int, _ px: Double, _ py: Double) -> Int {
            (px >= centerX[node] ? 1 : 0) + (py >= centerY[node] ? 2 : 0)
        }

        mutating func insert(_ i: Int, _ x: Double, _ y: Double, _ positions: UnsafePointer<Float>) {
            var node = 0
            while true {
                counts[node] += 1
                sumX[node] += x
                sumY[node] += y
                if firstChild[node] >= 0 {
                    node = Int(firstChild[node]) + quadrant(node, x, y)
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
                // Split: four children, the leaf's points move to theirs.
                let first = count
                let hw = halfWidth[node] / 2
                let cx = centerX[node], cy = centerY[node]
                add(cx - hw, cy - hw, hw)
                add(cx + hw, cy - hw, hw)
                add(cx - hw, cy + hw, hw)
                add(cx + hw, cy + hw, hw)
                firstChild[node] = Int32(first)
                let moved = first + quadrant(node, qx, qy)
                let others = counts[node] - 1
                counts[moved] = others
                sumX[moved] = qx * Double(others)
                sumY[moved] = qy * Double(others)
                point[moved] = Int32(q)
                point[node] = -1
                node = first + quadrant(node, x, y)
            }
        }
    }
}
