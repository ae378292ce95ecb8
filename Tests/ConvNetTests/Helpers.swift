@testable import ConvNet
import Datasets
import Foundation
import Imaging
import Linalg
import XCTest

/// `count` uniform values in [lo, hi) from a named stream.
func randomDoubles(_ count: Int, seed: UInt64 = 1, _ label: String, lo: Double = -1, hi: Double = 1) -> [Double] {
    var rng = RandomStream(seed: seed, label)
    return (0..<count).map { _ in lo + (hi - lo) * rng.uniformDouble() }
}

/// Central differences of a Double function.
func numericGradient(_ f: ([Double]) -> Double, at x: [Double], h: Double = 1e-6) -> [Double] {
    var g = [Double](repeating: 0, count: x.count)
    var xp = x
    for i in x.indices {
        xp[i] = x[i] + h
        let fp = f(xp)
        xp[i] = x[i] - h
        let fm = f(xp)
        xp[i] = x[i]
        g[i] = (fp - fm) / (2 * h)
    }
    return g
}

/// max |a - e| / max(max |e|, floor): the largest error relative to the gradient's scale.
func relativeError(_ actual: [Double], _ expected: [Double], floor: Double = 1e-3) -> Double {
    precondition(actual.count == expected.count)
    let scale = max(expected.map(abs).max() ?? 0, floor)
    return zip(actual, expected).map { abs($0 - $1) }.max().map { $0 / scale } ?? 0
}

/// Asserts a gradient check and reports the largest relative error.
func assertGradient(_ actual: [Double], _ expected: [Double], tolerance: Double, _ what: String,
                    file: StaticString = #filePath, line: UInt = #line) {
    let err = relativeError(actual, expected)
    XCTAssertLessThan(err, tolerance, "\(what): largest relative gradient error \(err)", file: file, line: line)
    if ProcessInfo.processInfo.environment["KRILL_VERBOSE_TESTS"] != nil { print("\(what): largest relative error \(err)") }
}

/// Sum_i r_i y_i: turns a vector output into the scalar the gradient checks differentiate.
func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

func floats(_ x: [Double]) -> [Float] { x.map(Float.init) }
func doubles(_ x: [Float]) -> [Double] { x.map(Double.init) }

/// A small procedurally drawn data set: dark shapes on a white background, one shape per
/// class (disc, ring, plus-cross, bar, square outline, X, filled square, triangle, ellipse,
/// two dots, crescent, three-armed star), with random position, size, thickness, tilt,
/// ink darkness and a little noise. The shapes stay distinct under flips and 90-degree
/// rotations.
enum SyntheticShapes {
    static let names = ["disc", "ring", "plus", "bar", "square", "x", "block", "triangle", "ellipse", "dots", "crescent", "star"]

    static func image(kind: Int, side s: Int, rng: inout RandomStream) -> GrayImage {
        var img = GrayImage(width: s, height: s, fill: 255)
        let c = Double(s) / 2
        let cx = c + Double(rng.uniform(-0.12, 0.12)) * Double(s)
        let cy = c + Double(rng.uniform(-0.12, 0.12)) * Double(s)
        let r = Double(s) * Double(rng.uniform(0.22, 0.34))
        let t = max(1.2, Double(s) * Double(rng.uniform(0.06, 0.11)))
        let ink = Double(rng.uniform(0, 90))
        let angle = Double(rng.uniform(-0.25, 0.25))
        for y in 0..<s {
            for x in 0..<s {
                let dx0 = Double(x) + 0.5 - cx, dy0 = Double(y) + 0.5 - cy
                let dx = dx0 * cos(angle) - dy0 * sin(angle)
                let dy = dx0 * sin(angle) + dy0 * cos(angle)
                let rho = (dx * dx + dy * dy).squareRoot()
                var on = false
                switch kind % names.count {
                case 0: on = rho <= r
                case 1: on = abs(rho - r) <= t / 2 + 0.4
                case 2: on = (abs(dx) <= t / 2 + 0.3 && abs(dy) <= r) || (abs(dy) <= t / 2 + 0.3 && abs(dx) <= r)
                case 3: on = abs(dy) <= t / 2 + 0.3 && abs(dx) <= r
                case 4: on = max(abs(dx), abs(dy)) <= r && max(abs(dx), abs(dy)) >= r - t
                case 5:
                    let u = (dx + dy) / 2.squareRoot(), v = (dx - dy) / 2.squareRoot()
                    on = (abs(u) <= t / 2 + 0.3 && abs(v) <= r) || (abs(v) <= t / 2 + 0.3 && abs(u) <= r)
                case 6: on = max(abs(dx), abs(dy)) <= r * 0.85
                case 7:
                    // Equilateral triangle pointing up: inside three half-planes.
                    let k = 3.0.squareRoot()
                    on = dy <= r / 2 && k * dx - dy <= r && -k * dx - dy <= r
                case 8: on = (dx * dx) / (r * r) + (dy * dy) / (0.45 * r * 0.45 * r) <= 1
                case 9:
                    let d1 = ((dx - r * 0.6) * (dx - r * 0.6) + dy * dy).squareRoot()
                    let d2 = ((dx + r * 0.6) * (dx + r * 0.6) + dy * dy).squareRoot()
                    on = d1 <= r * 0.35 || d2 <= r * 0.35
                case 10:
                    let inner = ((dx - r * 0.45) * (dx - r * 0.45) + dy * dy).squareRoot()
                    on = rho <= r && inner > r * 0.8
                default:
                    // Three arms at 120 degrees from the centre.
                    var hit = false
                    for arm in 0..<3 {
                        let a = Double(arm) * 2 * Double.pi / 3
                        let along = dx * cos(a) + dy * sin(a), across = -dx * sin(a) + dy * cos(a)
                        if along >= 0 && along <= r && abs(across) <= t / 2 + 0.3 { hit = true }
                    }
                    on = hit
                }
                var value = on ? ink : 255
                value += Double(rng.uniform(-12, 12))
                img[x, y] = UInt8(max(0, min(255, value.rounded())))
            }
        }
        return img
    }

    /// Writes a store of `classes` x `perClass` images of side `side` into `directory`.
    static func store(in directory: URL, classes: Int = 4, perClass: Int = 30, side: Int = 16, seed: UInt64 = 7) throws -> ImageStore {
        let writer = try ImageStoreWriter(directory: directory, side: side, classes: Array(names.prefix(classes)))
        for k in 0..<classes {
            var rng = RandomStream(seed: seed, "shapes", k)
            for i in 0..<perClass {
                let img = image(kind: k, side: side, rng: &rng)
                try writer.append(img, path: "\(names[k])/\(i).png", classIndex: k, sha256: "\(k)-\(i)")
            }
        }
        try writer.finish()
        return try ImageStore(directory: directory)
    }

    static func split(_ store: ImageStore, validation: Int = 8, seed: UInt64 = 7) throws -> DatasetSplit {
        try StratifiedSplit(validation: .count(validation), test: .count(0)).apply(labels: store.labels, classes: store.classes, seed: seed)
    }
}
