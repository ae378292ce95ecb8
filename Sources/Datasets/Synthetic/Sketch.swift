import Foundation

/// Where an organism lies in the picture. Organisms are designed in their own coordinates:
/// x along the body axis (tail about -0.5, head about +0.5), y across it, in units of the
/// body length. The pose maps those to pixels: rotate, optionally mirror, scale, move.
struct Pose {
    /// Centre of the organism in pixels.
    let center: Point
    /// Direction of the organism's x axis, radians (clockwise on screen: y points down).
    let angle: Float
    /// Pixels per organism unit, i.e. the body length in pixels.
    let length: Float
    /// Mirror the organism across its own x axis (its left and right sides swap).
    let mirrored: Bool
    private let cosine: Float, sine: Float

    init(center: Point, angle: Float, length: Float, mirrored: Bool) {
        self.center = center
        self.angle = angle
        self.length = length
        self.mirrored = mirrored
        cosine = cos(angle)
        sine = sin(angle)
    }

    /// The pixel position of the organism point (x, y).
    func point(_ x: Float, _ y: Float) -> Point {
        let ly = mirrored ? -y : y
        return center + length * Point(x * cosine - ly * sine, x * sine + ly * cosine)
    }

    /// The on-screen direction (radians) of the organism direction `localAngle`.
    func direction(_ localAngle: Float) -> Float {
        angle + (mirrored ? -localAngle : localAngle)
    }
}

/// Draws an organism in its own coordinates (see `Pose`) onto an ink canvas, with the
/// object's ink density and line thickness applied to every primitive.
struct Sketch {
    var canvas: InkCanvas
    var pose: Pose
    /// Ink density of the organism's main body, 0...1 (`shade` multiplies it per part).
    var ink: Float
    /// Multiplies line and band widths (thin or stout individuals), dimensionless.
    var thickness: Float

    /// Half-widths never go below this many pixels, so thin appendages stay visible
    /// (faintly) in small pictures.
    static let minimumRadius: Float = 0.3

    /// Density of a part drawn `shade` times darker than the body, kept below 1.
    private func density(_ shade: Float) -> Float { min(ink * shade, 0.98) }

    /// Pixels of an organism length.
    func pixels(_ l: Float) -> Float { l * pose.length }

    /// A line half-width in pixels for an organism width `w` (full width, organism units).
    private func radius(_ w: Float) -> Float { max(w * 0.5 * pose.length * thickness, Sketch.minimumRadius) }

    /// A filled ellipse centred at organism point (x, y) with semi-axes (rx, ry) along its own
    /// axes rotated by `angle` (radians, organism frame). Widths are not scaled by `thickness`:
    /// callers do that where the ellipse is a body whose girth varies.
    mutating func ellipse(_ x: Float, _ y: Float, rx: Float, ry: Float, angle: Float = 0, shade: Float = 1,
                          core: Float = 1, blend: InkBlend = .darken) {
        canvas.ellipse(center: pose.point(x, y), radii: Point(pixels(rx), pixels(ry)),
                       angle: pose.direction(angle), density: density(shade), core: core, blend: blend)
    }

    /// Scrapes the ink away inside an ellipse (a notch in an outline); arguments as for `ellipse`.
    mutating func erase(_ x: Float, _ y: Float, rx: Float, ry: Float, angle: Float = 0) {
        canvas.ellipse(center: pose.point(x, y), radii: Point(pixels(rx), pixels(ry)),
                       angle: pose.direction(angle), density: 1, blend: .erase)
    }

    /// A curve through organism points, full width tapering from `width` to `endWidth`.
    mutating func curve(_ points: [Point], width: Float, endWidth: Float? = nil, shade: Float = 1,
                        blend: InkBlend = .darken) {
        canvas.polyline(points.map { pose.point($0.x, $0.y) }, startRadius: radius(width),
                        endRadius: radius(endWidth ?? width), density: density(shade), blend: blend)
    }

    /// A straight, possibly tapering, segment from (x0, y0) to (x1, y1).
    mutating func line(_ x0: Float, _ y0: Float, _ x1: Float, _ y1: Float, width: Float, endWidth: Float? = nil,
                       shade: Float = 1) {
        canvas.capsule(pose.point(x0, y0), pose.point(x1, y1), radiusA: radius(width),
                       radiusB: radius(endWidth ?? width), density: density(shade))
    }

    /// A circle outline of organism radius `r` and full line width `width`.
    mutating func ring(_ x: Float, _ y: Float, r: Float, width: Float, shade: Float = 1) {
        canvas.ring(center: pose.point(x, y), radius: pixels(r), width: 2 * radius(width),
                    density: density(shade))
    }
}

/// Points along a smooth curve: `count` points from `start`, heading `angle` (radians),
/// total `length`, turning by `bend` radians in all (spread evenly), in organism units.
func arc(from start: Point, angle: Float, length: Float, bend: Float, count: Int = 6) -> [Point] {
    var points = [start]
    points.reserveCapacity(count)
    let steps = max(count - 1, 1)
    let step = length / Float(steps)
    var heading = angle - bend / Float(2 * steps)
    var p = start
    for _ in 0..<steps {
        heading += bend / Float(steps)
        p += step * Point(cos(heading), sin(heading))
        points.append(p)
    }
    return points
}
