import Foundation
import Imaging
import Linalg

/// Why a synthetic data set cannot be made with the given arguments.
public struct SyntheticPlanktonError: Error, LocalizedError, CustomStringConvertible, Equatable {
    public let message: String
    public var description: String { message }
    public var errorDescription: String? { message }
}

/// The embedded default data set: grey, ZooScan-like plankton silhouettes on white,
/// drawn procedurally (see `PlanktonClass` for the catalogue).
///
/// Every picture depends only on (seed, class index, image index, size): it is drawn from
/// `RandomStream(seed: seed, "synth", classIndex, index)`, so any image can be made alone,
/// in any order or in parallel, and always comes out the same. The random draws do not
/// depend on the size either: one index is the same individual at 32 and at 96 pixels.
///
/// Each image: one organism (or, for `multiple`, two or three smaller overlapping ones) in a
/// random pose (rotation in [0, 2π), mirroring, position jitter, class-specific size),
/// thickness and ink density, plus debris specks and fibres, a Gaussian blur, a faint
/// background tint and Gaussian pixel noise.
public struct SyntheticPlankton: Sendable {
    /// The number of classes in the catalogue (13).
    public static let maximumClasses = PlanktonClass.allCases.count
    /// The smallest picture side, pixels.
    public static let minimumSize = 16

    /// The seed every picture derives from.
    public let seed: UInt64
    /// The classes drawn: the first `classCount` of the catalogue, in its order.
    public let classes: [PlanktonClass]
    /// Picture side, pixels (pictures are square).
    public let size: Int

    /// - Parameters:
    ///   - seed: the experiment seed.
    ///   - classes: how many classes, 1...13: the first ones of the catalogue.
    ///   - size: picture side in pixels, at least 16.
    /// - Throws: `SyntheticPlanktonError` naming the bad argument.
    public init(seed: UInt64, classes: Int = 12, size: Int = 96) throws {
        guard (1...Self.maximumClasses).contains(classes) else {
            throw SyntheticPlanktonError(
                message: "synthetic plankton: classes must be in 1...\(Self.maximumClasses), got \(classes)")
        }
        guard size >= Self.minimumSize else {
            throw SyntheticPlanktonError(
                message: "synthetic plankton: image size must be at least \(Self.minimumSize) pixels, got \(size)")
        }
        self.seed = seed
        self.classes = Array(PlanktonClass.allCases.prefix(classes))
        self.size = size
    }

    /// The number of classes.
    public var classCount: Int { classes.count }

    /// Class names in class-index order: lowercase identifiers usable as folder names.
    public var classNames: [String] { classes.map(\.name) }

    /// The deliberately confusable pairs among this generator's classes, as class indices.
    public var confusablePairs: [(Int, Int)] {
        PlanktonClass.confusablePairs
            .filter { $0.0.rawValue < classCount && $0.1.rawValue < classCount }
            .map { ($0.0.rawValue, $0.1.rawValue) }
    }

    /// Picture `index` (any value >= 0) of class `classIndex`: `size` x `size` pixels.
    /// - Precondition: `classIndex` in `0..<classCount` and `index >= 0`.
    public func image(classIndex: Int, index: Int) -> GrayImage {
        precondition(classes.indices.contains(classIndex),
                     "synthetic plankton: class index \(classIndex) is outside 0..<\(classCount)")
        precondition(index >= 0, "synthetic plankton: image index must be >= 0, got \(index)")
        var rng = RandomStream(seed: seed, "synth", classIndex, index)
        return Self.render(classes[classIndex], size: size, rng: &rng)
    }

    /// Pictures 0..<count of class `classIndex`.
    public func images(classIndex: Int, count: Int) -> [GrayImage] {
        (0..<max(count, 0)).map { image(classIndex: classIndex, index: $0) }
    }

    // MARK: Contact sheet

    /// Blank pixels around and between the pictures of a contact sheet.
    public static let contactSheetGutter = 2
    /// Grey level of the line between two rows of a contact sheet.
    public static let contactSheetSeparator: UInt8 = 160

    /// A grid of pictures 0..<perClass, one row per class in class order, with
    /// `contactSheetGutter` white pixels around every picture and a one-pixel grey line
    /// (plus a gutter on each side of it) between rows.
    /// Width: perClass * size + (perClass + 1) * gutter;
    /// height: classes * size + 2 * gutter + (classes - 1) * (2 * gutter + 1).
    public func contactSheet(perClass: Int) -> GrayImage {
        let gutter = Self.contactSheetGutter
        let columns = max(perClass, 0)
        let width = columns * size + (columns + 1) * gutter
        let rowPitch = size + 2 * gutter + 1   // picture, gutter below, separator, gutter above the next
        let height = classCount * size + 2 * gutter + (classCount - 1) * (2 * gutter + 1)
        var sheet = GrayImage(width: width, height: height, fill: 255)
        for row in 0..<classCount {
            let top = gutter + row * rowPitch
            if row > 0 {
                let line = top - gutter - 1
                for x in 0..<width { sheet[x, line] = Self.contactSheetSeparator }
            }
            for column in 0..<columns {
                let picture = image(classIndex: row, index: column)
                let left = gutter + column * (size + gutter)
                for y in 0..<size {
                    let source = y * size
                    let target = (top + y) * width + left
                    sheet.pixels.replaceSubrange(target..<(target + size),
                                                 with: picture.pixels[source..<(source + size)])
                }
            }
        }
        return sheet
    }

    /// The contact sheet of `SyntheticPlankton(seed:classes:size:)` (see the instance method).
    /// - Throws: `SyntheticPlanktonError` for bad arguments, including `perClass < 1`.
    public static func contactSheet(seed: UInt64, classes: Int, perClass: Int, size: Int) throws -> GrayImage {
        guard perClass >= 1 else {
            throw SyntheticPlanktonError(
                message: "synthetic plankton: a contact sheet needs at least 1 image per class, got \(perClass)")
        }
        return try SyntheticPlankton(seed: seed, classes: classes, size: size).contactSheet(perClass: perClass)
    }

    // MARK: Drawing

    /// Classes that `multiple` draws its parts from (Noctiluca is too faint to read in a cluster).
    static let groupMembers: [PlanktonClass] = [
        .copepod, .chaetognath, .appendicularianTail, .chaetognathTail, .foraminifera, .phaeodaria,
        .egg, .nauplius, .ostracod, .salp, .zoea,
    ]

    /// Draws one picture of `kind`, taking every random choice from `rng`.
    static func render(_ kind: PlanktonClass, size: Int, rng: inout RandomStream) -> GrayImage {
        let side = Float(size)
        var canvas = InkCanvas(width: size, height: size)
        let center = side * Point(0.5 + rng.uniform(-0.08...0.08), 0.5 + rng.uniform(-0.08...0.08))
        if kind == .multiple {
            drawGroup(on: &canvas, around: center, rng: &rng)
        } else {
            let length = side * rng.uniform(kind.lengthRange)
            draw(kind, on: &canvas, center: center, length: length, rng: &rng)
        }
        addDebris(to: &canvas, rng: &rng)
        // Lens blur and noise, in pixels of a 96-pixel picture scaled to this size.
        canvas.blur(sigma: rng.uniform(0...1.5) * side / 96)
        let noiseSigma = rng.uniform(0...8)
        let background = rng.uniform(0...0.025)
        return canvas.render(background: background, noiseSigma: noiseSigma, noiseSeed: rng.next())
    }

    /// One organism of `kind` at `center` (pixels), `length` pixels long, in a random
    /// rotation, mirroring, thickness and ink density.
    static func draw(_ kind: PlanktonClass, on canvas: inout InkCanvas, center: Point, length: Float,
                     rng: inout RandomStream) {
        let pose = Pose(center: center, angle: rng.uniform(0...(2 * .pi)), length: length, mirrored: rng.chance(0.5))
        var sketch = Sketch(canvas: InkCanvas(width: 0, height: 0), pose: pose, ink: rng.uniform(kind.inkRange),
                            thickness: rng.uniform(0.8...1.25))
        swap(&sketch.canvas, &canvas)   // lend the canvas without copying its buffer
        kind.draw(on: &sketch, rng: &rng)
        swap(&sketch.canvas, &canvas)
    }

    /// Two or three smaller organisms of other classes, overlapping, centred near `center`.
    /// Each is drawn on its own layer and laid over the others like translucent films.
    static func drawGroup(on canvas: inout InkCanvas, around center: Point, rng: inout RandomStream) {
        let side = Float(canvas.width)
        let count = rng.chance(0.6) ? 2 : 3
        var kinds: [PlanktonClass] = []
        var lengths: [Float] = []
        var centers: [Point] = []
        for k in 0..<count {
            let kind = groupMembers[rng.below(groupMembers.count)]
            let length = side * rng.uniform(kind.lengthRange) * rng.uniform(0.55...0.75)
            var position = Point(0, 0)
            if k > 0 {   // touching or overlapping the previous one
                let a = rng.uniform(0...(2 * .pi))
                let gap = (lengths[k - 1] + length) * 0.5 * rng.uniform(0.45...0.85)
                position = centers[k - 1] + gap * Point(cos(a), sin(a))
            }
            kinds.append(kind)
            lengths.append(length)
            centers.append(position)
        }
        let mean = centers.reduce(Point(0, 0), +) / Float(count)
        for k in 0..<count {
            let position = center + centers[k] - mean
            if k == 0 {
                draw(kinds[k], on: &canvas, center: position, length: lengths[k], rng: &rng)
            } else {
                var layer = InkCanvas(width: canvas.width, height: canvas.height)
                draw(kinds[k], on: &layer, center: position, length: lengths[k], rng: &rng)
                canvas.overlay(layer)
            }
        }
    }

    /// None (about a third of the pictures) or one to four small dark specks and fibres
    /// anywhere in the picture, sized in pixels of a 96-pixel picture.
    static func addDebris(to canvas: inout InkCanvas, rng: inout RandomStream) {
        guard !rng.chance(0.35) else { return }
        let side = Float(canvas.width)
        let unit = side / 96
        let count = 1 + rng.below(4)
        for _ in 0..<count {
            let p = side * Point(rng.uniform(), rng.uniform())
            let density = rng.uniform(0.3...0.85)
            if rng.chance(0.6) {
                let r = rng.uniform(0.5...1.6) * unit
                canvas.ellipse(center: p, radii: Point(r, r * rng.uniform(0.6...1)), angle: rng.uniform(0...3),
                               density: density)
            } else {
                let points = arc(from: p, angle: rng.uniform(0...(2 * .pi)), length: rng.uniform(4...14) * unit,
                                 bend: rng.uniform(-2...2), count: 4)
                canvas.polyline(points, startRadius: max(0.4 * unit, 0.3), endRadius: max(0.3 * unit, 0.25),
                                density: density * 0.8)
            }
        }
    }
}
