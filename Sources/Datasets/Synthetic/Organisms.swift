import Foundation
import Linalg

// The organism drawers. Each draws one individual in organism coordinates (x along the
// body from tail, about -0.5, to head, about +0.5; y across; unit = body length) onto a
// sketch whose pose, ink and thickness are already chosen, taking its shape parameters
// from `rng`. Widths are full widths in body lengths; angles are radians.
// The number of draws never depends on the picture size, so one index gives the same
// individual at every size.

extension PlanktonClass {
    /// Draws one individual of this class. `multiple` is composed from several drawers by
    /// the generator and is not drawn here.
    func draw(on s: inout Sketch, rng: inout RandomStream) {
        switch self {
        case .copepod: Organisms.copepod(&s, &rng)
        case .chaetognath: Organisms.chaetognath(&s, &rng)
        case .appendicularianTail: Organisms.appendicularianTail(&s, &rng)
        case .chaetognathTail: Organisms.chaetognathTail(&s, &rng)
        case .noctiluca: Organisms.noctiluca(&s, &rng)
        case .foraminifera: Organisms.foraminifera(&s, &rng)
        case .phaeodaria: Organisms.phaeodaria(&s, &rng)
        case .egg: Organisms.egg(&s, &rng)
        case .nauplius: Organisms.nauplius(&s, &rng)
        case .ostracod: Organisms.ostracod(&s, &rng)
        case .salp: Organisms.salp(&s, &rng)
        case .zoea: Organisms.zoea(&s, &rng)
        case .multiple: preconditionFailure("`multiple` is composed by SyntheticPlankton, not drawn alone")
        }
    }
}

extension RandomStream {
    /// Uniform in the closed range (the upper end has probability zero).
    mutating func uniform(_ range: ClosedRange<Float>) -> Float { uniform(range.lowerBound, range.upperBound) }
    /// True with probability `p`.
    mutating func chance(_ p: Float) -> Bool { uniform() < p }
    /// -1 or +1 with equal probability.
    mutating func sign() -> Float { chance(0.5) ? -1 : 1 }
}

/// The drawers, one per class (see the catalogue in `PlanktonClass`).
enum Organisms {
    static func copepod(_ s: inout Sketch, _ rng: inout RandomStream) {
        let girth = rng.uniform(0.11...0.15) * s.thickness
        let core = rng.uniform(0.5...0.8)
        // Antennae first, under the body: long, from the head, swept back.
        let antennaLength = rng.uniform(0.45...0.9)
        let spread = rng.uniform(1.0...1.9)
        let sweep = rng.uniform(0.4...1.6)
        for side: Float in [-1, 1] {
            let jitter = rng.uniform(-0.25...0.25)
            let start = Point(0.40, side * girth * 0.45)
            let points = arc(from: start, angle: side * (spread + jitter), length: antennaLength,
                             bend: side * sweep, count: 7)
            s.curve(points, width: 0.022, endWidth: 0.008, shade: 0.85)
        }
        // Swimming legs on the ventral side.
        let legs = 3 + rng.below(3)
        let legLength = rng.uniform(0.12...0.22)
        for i in 0..<legs {
            let x = 0.22 - Float(i) * 0.34 / Float(legs)
            let tilt = rng.uniform(-0.4...0.1)
            s.line(x, -girth * 0.7, x - legLength * sin(tilt) - 0.04, -girth * 0.7 - legLength * cos(tilt),
                   width: 0.018, endWidth: 0.008, shade: 0.7)
        }
        // Urosome: a narrow, segmented, slightly bent tail ending in the furca and setae.
        let bend = rng.uniform(-0.5...0.5)
        let tail = arc(from: Point(-0.12, 0), angle: .pi, length: 0.36, bend: bend, count: 5)
        s.curve(tail, width: girth * 0.75, endWidth: girth * 0.4, shade: 0.95)
        let end = tail[tail.count - 1]
        let tailAngle = Float.pi + bend
        for side: Float in [-1, 1] {
            let a = tailAngle + side * rng.uniform(0.2...0.5)
            let tip = end + 0.07 * Point(cos(a), sin(a))
            s.line(end.x, end.y, tip.x, tip.y, width: 0.02, shade: 0.9)
            let seta = tip + rng.uniform(0.08...0.16) * Point(cos(a + side * 0.1), sin(a + side * 0.1))
            s.line(tip.x, tip.y, seta.x, seta.y, width: 0.008, shade: 0.6)
        }
        // Prosome with a lighter inside, an oil sac or gut, and a dark eye.
        s.ellipse(0.1, 0, rx: 0.31, ry: girth, shade: 1, core: core)
        s.ellipse(0.38, 0, rx: 0.07, ry: girth * 0.6, shade: 1, core: core)
        let sacX = rng.uniform(-0.05...0.15)
        s.ellipse(sacX, rng.uniform(-0.02...0.02), rx: rng.uniform(0.08...0.17), ry: girth * rng.uniform(0.3...0.5),
                  shade: rng.uniform(0.9...1.2), core: 0.8)
        // Segment boundaries: lighter lines painted across the prosome.
        for k in 1...3 where rng.chance(0.6) {
            let x = 0.3 - Float(k) * 0.12
            s.curve([Point(x + 0.02, -girth * 0.9), Point(x - 0.01, 0), Point(x + 0.02, girth * 0.9)],
                    width: 0.012, shade: core * 0.8, blend: .paint)
        }
        s.ellipse(0.42, 0, rx: 0.022, ry: 0.022, shade: 1.3)
    }

    static func chaetognath(_ s: inout Sketch, _ rng: inout RandomStream) {
        let width = rng.uniform(0.04...0.06)
        let bend = rng.uniform(-0.35...0.35)
        let body = arc(from: Point(-0.47, 0), angle: -bend / 2, length: 0.92, bend: bend, count: 9)
        let shade = rng.uniform(0.65...0.85)
        // Fins: faint, flat, on both sides of the rear half, and a tail fan.
        let finShade = rng.uniform(0.3...0.45)
        for side: Float in [-1, 1] {
            let p = body[2]
            s.ellipse(p.x, p.y + side * width * 0.9, rx: 0.11, ry: width * 0.45, angle: 0, shade: finShade)
            if rng.chance(0.7) {
                let q = body[4]
                s.ellipse(q.x, q.y + side * width * 0.8, rx: 0.07, ry: width * 0.35, shade: finShade)
            }
        }
        s.ellipse(body[0].x - 0.01, body[0].y, rx: 0.025, ry: rng.uniform(0.04...0.06), shade: finShade)
        s.curve(Array(body[0...4]), width: width * 0.5, endWidth: width, shade: shade)
        s.curve(Array(body[4...8]), width: width, endWidth: width * 0.85, shade: shade)
        // Gut: a darker line along the middle.
        s.curve(Array(body[1...7]), width: width * 0.3, shade: shade * rng.uniform(1.1...1.4))
        // Head with grasping spines.
        let head = body[8]
        s.ellipse(head.x, head.y, rx: 0.045, ry: width * 0.65 * s.thickness, shade: shade * 1.2, core: 0.8)
        let hooks = 2 + rng.below(3)
        let open = rng.uniform(0.2...0.9)
        for side: Float in [-1, 1] {
            for k in 0..<hooks {
                let a = side * (open + 0.25 * Float(k))
                let start = head + Point(0.02, side * width * 0.3)
                s.curve(arc(from: start, angle: a, length: rng.uniform(0.05...0.09), bend: -side * 1.2, count: 3),
                        width: 0.01, endWidth: 0.005, shade: shade * 1.1)
            }
        }
    }

    static func appendicularianTail(_ s: inout Sketch, _ rng: inout RandomStream) {
        let amplitude = rng.uniform(0.03...0.11)
        let cycles = rng.uniform(0.8...2.2)
        let phase = rng.uniform(0...(2 * .pi))
        let width = rng.uniform(0.06...0.09)
        let count = 25
        var points: [Point] = []
        points.reserveCapacity(count)
        for i in 0..<count {
            let x = -0.5 + Float(i) / Float(count - 1)
            points.append(Point(x, amplitude * sin(2 * .pi * cycles * (x + 0.5) + phase)))
        }
        // The fin membrane, then the darker notochord and muscle band along its middle.
        s.curve(points, width: width, shade: rng.uniform(0.5...0.7))
        s.curve(points, width: width * rng.uniform(0.25...0.4), shade: 1.0)
        if rng.chance(0.5) {   // a torn end: a short frayed stub of fin
            let end = points[count - 1]
            s.ellipse(end.x, end.y, rx: 0.03, ry: width * 0.8, shade: 0.5)
        }
    }

    static func chaetognathTail(_ s: inout Sketch, _ rng: inout RandomStream) {
        let bend = rng.uniform(-0.35...0.35)
        let width = rng.uniform(0.075...0.1)
        let body = arc(from: Point(0.5, 0), angle: .pi - bend / 2, length: 1.0, bend: bend, count: 9)
        let shade = rng.uniform(0.6...0.8)
        // Fin fragments: a tail fan at the tip and a lateral fin on one or both sides.
        let tip = body[8]
        let finShade = rng.uniform(0.3...0.45)
        s.ellipse(tip.x - 0.01, tip.y, rx: 0.03, ry: rng.uniform(0.045...0.07), shade: finShade)
        let finAt = body[5 + rng.below(2)]
        let sides: [Float] = rng.chance(0.5) ? [-1, 1] : [rng.sign()]
        for side in sides {
            s.ellipse(finAt.x, finAt.y + side * width * 0.6, rx: rng.uniform(0.1...0.18), ry: width * 0.35,
                      shade: finShade)
        }
        s.curve(body, width: width, endWidth: width * 0.3, shade: shade)
        // The gut ends part way down the tail.
        s.curve(Array(body[0...4]), width: width * 0.3, endWidth: width * 0.15, shade: shade * 1.3)
    }

    static func noctiluca(_ s: inout Sketch, _ rng: inout RandomStream) {
        let r: Float = 0.5
        let squash = rng.uniform(0.88...1.0)
        s.ellipse(0, 0, rx: r, ry: r * squash, shade: 1, core: rng.uniform(0.55...0.85))
        s.ellipse(0, 0, rx: r, ry: r * squash, shade: 1.8, core: 0)   // membrane: dark only at the rim
        // Cytoplasm: a darker blob near the rim with faint strands to the membrane.
        let blobAngle = rng.uniform(0...(2 * .pi))
        let blobDistance = rng.uniform(0.15...0.3)
        let blob = Point(blobDistance * cos(blobAngle), blobDistance * squash * sin(blobAngle))
        s.ellipse(blob.x, blob.y, rx: rng.uniform(0.06...0.11), ry: rng.uniform(0.05...0.09), angle: blobAngle,
                  shade: rng.uniform(2.2...3.2), core: 0.7)
        let strands = 4 + rng.below(5)
        for _ in 0..<strands {
            let a = rng.uniform(0...(2 * .pi))
            let end = Point(0.47 * cos(a), 0.47 * squash * sin(a))
            let mid = (blob + end) * 0.5 + Point(rng.uniform(-0.05...0.05), rng.uniform(-0.05...0.05))
            s.curve([blob, mid, end], width: 0.008, shade: 1.6)
        }
        if rng.chance(0.4) {   // the tentacle
            let a = rng.uniform(0...(2 * .pi))
            let base = Point(0.5 * cos(a), 0.5 * squash * sin(a))
            s.curve(arc(from: base, angle: a, length: 0.15, bend: rng.uniform(-1...1), count: 4),
                    width: 0.03, endWidth: 0.015, shade: 2.5)
        }
    }

    static func foraminifera(_ s: inout Sketch, _ rng: inout RandomStream) {
        let chambers = 6 + rng.below(5)
        let growth = rng.uniform(1.15...1.3)
        let step = rng.uniform(0.75...1.05)
        let size = rng.uniform(0.5...0.65)   // chamber radius relative to its distance from the axis
        let startAngle = rng.uniform(0...(2 * .pi))
        var centers: [Point] = []
        var radii: [Float] = []
        var distance: Float = 1
        var low = Point(repeating: .infinity), high = Point(repeating: -.infinity)
        for k in 0..<chambers {
            let a = startAngle + Float(k) * step
            let c = distance * Point(cos(a), sin(a))
            let r = distance * size
            centers.append(c)
            radii.append(r)
            low = pointwiseMin(low, c - r)
            high = pointwiseMax(high, c + r)
            distance *= growth
        }
        // Centre the test and scale its longer side to one body length.
        let middle = (low + high) / 2
        let scale = 1 / max(high.x - low.x, high.y - low.y)
        let wall = rng.uniform(0.025...0.045)
        let fill = rng.uniform(0.8...1.0)
        let core = rng.uniform(0.6...0.85)
        for k in 0..<chambers {
            let c = (centers[k] - middle) * scale
            let r = radii[k] * scale
            // Each newer chamber is painted over the older ones, with its wall on top.
            s.ellipse(c.x, c.y, rx: r, ry: r, shade: fill, core: core, blend: .paint)
            s.ring(c.x, c.y, r: r - wall / 2, width: wall, shade: 1)
        }
        // The aperture: a small dark spot on the last chamber.
        let last = (centers[chambers - 1] - middle) * scale
        let outward = centers[chambers - 1] * (scale * 0.1)
        s.ellipse(last.x + outward.x, last.y + outward.y, rx: 0.03, ry: 0.03, shade: 1.2)
    }

    static func phaeodaria(_ s: inout Sketch, _ rng: inout RandomStream) {
        let capsule = rng.uniform(0.13...0.2)
        if rng.chance(0.6) {   // the phaeodium: a faint halo of debris around the capsule
            let halo = capsule * rng.uniform(1.3...1.7)
            s.ellipse(0, 0, rx: halo, ry: halo * rng.uniform(0.8...1), shade: 0.35, core: 0.6)
        }
        let spines = 8 + rng.below(11)
        let offset = rng.uniform(0...(2 * .pi))
        let curl = rng.uniform(-0.4...0.4)
        let reach = rng.uniform(0.38...0.5)
        for k in 0..<spines {
            let a = offset + 2 * .pi * (Float(k) + rng.uniform(-0.3...0.3)) / Float(spines)
            let start = capsule * 0.8 * Point(cos(a), sin(a))
            let length = (reach - capsule * 0.8) * rng.uniform(0.8...1.05)
            let points = arc(from: start, angle: a, length: length, bend: curl + rng.uniform(-0.2...0.2), count: 4)
            s.curve(points, width: 0.028, endWidth: 0.008, shade: 0.85)
            if rng.chance(0.25) {   // a forked tip
                let tip = points[3]
                for side: Float in [-1, 1] {
                    let b = a + side * 0.6
                    s.line(tip.x, tip.y, tip.x + 0.05 * cos(b), tip.y + 0.05 * sin(b), width: 0.008, shade: 0.8)
                }
            }
        }
        s.ellipse(0, 0, rx: capsule, ry: capsule * rng.uniform(0.85...1), angle: rng.uniform(0...3),
                  shade: 1, core: rng.uniform(0.7...1))
        s.ellipse(rng.uniform(-0.03...0.03), rng.uniform(-0.03...0.03), rx: capsule * 0.45, ry: capsule * 0.4,
                  shade: 1.15)
    }

    static func egg(_ s: inout Sketch, _ rng: inout RandomStream) {
        let aspect = rng.uniform(1.0...1.45)
        let ry = 0.5 / aspect
        if rng.chance(0.35) {   // a chorion: a faint envelope around the egg
            s.ellipse(0, 0, rx: 0.58, ry: ry + 0.08, shade: 0.3, core: 0.8)
        }
        s.ellipse(0, 0, rx: 0.5, ry: ry, shade: 0.9, core: rng.uniform(0.75...1))
        if rng.chance(0.5) {   // the embryo: a slightly darker inner mass
            s.ellipse(rng.uniform(-0.08...0.08), rng.uniform(-0.05...0.05), rx: rng.uniform(0.25...0.35),
                      ry: ry * rng.uniform(0.5...0.75), shade: 1.05)
        }
    }

    static func nauplius(_ s: inout Sketch, _ rng: inout RandomStream) {
        let girth = rng.uniform(0.22...0.28) * s.thickness
        let legLength = rng.uniform(0.32...0.5)
        // Three pairs of legs: antennules forward, antennae and mandibles sideways and back.
        let bases: [Float] = [0.25, 0.13, 0.01]
        let headings: [Float] = [0.6, 1.3, 1.8]
        for pair in 0..<3 {
            for side: Float in [-1, 1] {
                let heading = side * (headings[pair] + rng.uniform(-0.25...0.25))
                let start = Point(bases[pair], side * girth * 0.7)
                let length = legLength * (pair == 0 ? 0.8 : 1)
                let leg = arc(from: start, angle: heading, length: length, bend: side * rng.uniform(-0.6...0.3),
                              count: 4)
                s.curve(leg, width: 0.04, endWidth: 0.018, shade: 0.85)
                let tip = leg[3]
                for k in 0..<2 {   // setae
                    let a = heading + side * (0.1 + 0.4 * Float(k))
                    s.line(tip.x, tip.y, tip.x + 0.12 * cos(a), tip.y + 0.12 * sin(a), width: 0.008, shade: 0.55)
                }
            }
        }
        // The pear: a broad front and a narrower back.
        let core = rng.uniform(0.6...0.85)
        s.ellipse(0.08, 0, rx: 0.3, ry: girth, shade: 1, core: core)
        s.ellipse(-0.2, 0, rx: 0.24, ry: girth * 0.55, shade: 1, core: core)
        s.ellipse(-0.05, 0, rx: 0.16, ry: girth * 0.4, shade: 1.1)   // gut
        s.ellipse(0.33, 0, rx: 0.03, ry: 0.03, shade: 1.4)           // the naupliar eye
    }

    static func ostracod(_ s: inout Sketch, _ rng: inout RandomStream) {
        let aspect = rng.uniform(1.3...1.8)
        let ry = 0.5 / aspect
        let core = rng.uniform(0.55...0.85)
        s.ellipse(0, 0, rx: 0.5, ry: ry, shade: 1, core: core)
        // A higher dorsal margin towards the back (the hinge) ...
        s.ellipse(-0.06, ry * 0.2, rx: 0.36, ry: ry * 0.85, shade: 1, core: core)
        // ... and the bean's concave ventral margin.
        s.erase(rng.uniform(-0.05...0.1), -ry * rng.uniform(1.15...1.3), rx: rng.uniform(0.18...0.26), ry: ry * 0.45)
        s.ellipse(rng.uniform(-0.1...0.1), ry * 0.1, rx: 0.22, ry: ry * 0.45, shade: 1.1)   // the body inside
        let setae = rng.below(4)
        for _ in 0..<setae {   // appendages poking out between the valves
            let a = rng.uniform(-1.4...(-0.2))
            let start = Point(0.42, -ry * 0.4)
            s.line(start.x, start.y, start.x + 0.22 * cos(a), start.y + 0.22 * sin(a), width: 0.015, endWidth: 0.006,
                   shade: 0.75)
        }
    }

    static func salp(_ s: inout Sketch, _ rng: inout RandomStream) {
        let ry = rng.uniform(0.2...0.3) * s.thickness
        // The tunic: a faint envelope, then the barrel with a darker outline.
        s.ellipse(0, 0, rx: 0.52, ry: ry * 1.15, shade: 0.35, core: 0.8)
        s.line(-0.48 + ry, 0, 0.48 - ry, 0, width: 2 * ry / s.thickness, shade: 0.6)
        s.ellipse(0, 0, rx: 0.48, ry: ry, shade: 0.9, core: 0.45)
        // Muscle bands across the barrel, slightly curved.
        let bands = 4 + rng.below(5)
        let lean = rng.uniform(-0.06...0.06)
        for k in 0..<bands {
            let x = -0.34 + 0.68 * (Float(k) + 0.5) / Float(bands) + rng.uniform(-0.02...0.02)
            let bow = rng.uniform(-0.04...0.04)
            s.curve([Point(x - lean, -ry * 0.95), Point(x + bow, 0), Point(x + lean, ry * 0.95)],
                    width: rng.uniform(0.018...0.03), shade: 1.3)
        }
        // The nucleus (gut) at one end.
        s.ellipse(-0.36, rng.uniform(-0.05...0.05), rx: rng.uniform(0.06...0.09), ry: rng.uniform(0.05...0.07),
                  shade: 1.8, core: 0.8)
    }

    static func zoea(_ s: inout Sketch, _ rng: inout RandomStream) {
        let girth = rng.uniform(0.16...0.21) * s.thickness
        let shade = rng.uniform(0.85...1)
        // Long dorsal spine, rostral spine, sometimes lateral spines.
        let dorsal = rng.uniform(0.3...0.5)
        let dorsalAngle = rng.uniform(1.7...2.3)
        s.curve(arc(from: Point(0.0, girth * 0.8), angle: dorsalAngle, length: dorsal, bend: rng.uniform(-0.3...0.3),
                    count: 4), width: 0.04, endWidth: 0.006, shade: shade)
        let rostralAngle = rng.uniform(-0.9...(-0.3))
        s.curve(arc(from: Point(0.2, -girth * 0.3), angle: rostralAngle, length: rng.uniform(0.2...0.35), bend: 0.2,
                    count: 3), width: 0.03, endWidth: 0.005, shade: shade)
        if rng.chance(0.5) {
            s.line(0.02, -girth * 0.7, -0.06, -girth * 0.7 - 0.14, width: 0.025, endWidth: 0.005, shade: shade)
        }
        // Thoracic legs (maxillipeds) hanging below the carapace.
        for k in 0..<2 {
            let x = 0.08 - 0.08 * Float(k)
            s.curve(arc(from: Point(x, -girth * 0.8), angle: -1.9 - rng.uniform(0...0.5), length: 0.2, bend: 0.5,
                        count: 3), width: 0.02, endWidth: 0.01, shade: 0.75)
        }
        // Abdomen: a segmented tail curling under the body, ending in a forked telson.
        let curl = rng.uniform(0.3...1.6)
        let abdomen = arc(from: Point(-0.12, -girth * 0.1), angle: .pi - 0.2, length: 0.42, bend: curl, count: 6)
        for k in 0..<(abdomen.count - 1) {
            let w = 0.075 - 0.008 * Float(k)
            s.curve([abdomen[k], abdomen[k + 1]], width: w, endWidth: w * 0.85, shade: shade * 0.95)
        }
        let end = abdomen[abdomen.count - 1]
        let heading = Float.pi - 0.2 + curl
        for side: Float in [-1, 1] {
            let a = heading + side * 0.45
            s.line(end.x, end.y, end.x + 0.13 * cos(a), end.y + 0.13 * sin(a), width: 0.022, endWidth: 0.006,
                   shade: shade)
        }
        // Carapace and the big dark compound eye.
        s.ellipse(0.05, 0, rx: 0.24, ry: girth, angle: rng.uniform(-0.2...0.2), shade: shade, core: 0.7)
        s.ellipse(0.2, 0.02, rx: 0.065, ry: 0.06, shade: 1.5)
    }
}
