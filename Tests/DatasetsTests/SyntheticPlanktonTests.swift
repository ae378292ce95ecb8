import XCTest
@testable import Datasets
import Imaging

final class SyntheticPlanktonTests: XCTestCase {
    // MARK: Arguments and shape

    func testCatalogueNamesAndOrder() throws {
        let all = try SyntheticPlankton(seed: 1, classes: 13, size: 32)
        XCTAssertEqual(all.classNames, [
            "copepod", "chaetognath", "appendicularia_tail", "chaetognatha_tail", "noctiluca", "foraminifera",
            "phaeodaria", "egg", "nauplius", "ostracod", "salp", "multiple", "zoea",
        ])
        for name in all.classNames {
            XCTAssertTrue(name.allSatisfy { ("a"..."z").contains($0) || $0 == "_" }, "\(name) is not a folder-safe identifier")
        }
        XCTAssertEqual(Set(all.classNames).count, 13)
        let twelve = try SyntheticPlankton(seed: 1, size: 32)
        XCTAssertEqual(twelve.classNames, Array(all.classNames.prefix(12)), "the default takes the first 12")
        XCTAssertEqual(try SyntheticPlankton(seed: 1, classes: 3, size: 32).classNames,
                       ["copepod", "chaetognath", "appendicularia_tail"])
        XCTAssertEqual(all.confusablePairs.map { [$0.0, $0.1] }, [[2, 3], [7, 9]])
        XCTAssertEqual(try SyntheticPlankton(seed: 1, classes: 8, size: 32).confusablePairs.count, 1)
    }

    func testInvalidArgumentsAreRejectedWithAMessage() {
        func message(_ make: () throws -> Any) -> String? {
            do { _ = try make(); return nil } catch let error as SyntheticPlanktonError { return error.message } catch {
                return "unexpected \(error)"
            }
        }
        for bad in [0, -1, 14] {
            let m = message { try SyntheticPlankton(seed: 1, classes: bad, size: 32) }
            XCTAssertEqual(m, "synthetic plankton: classes must be in 1...13, got \(bad)")
        }
        XCTAssertEqual(message { try SyntheticPlankton(seed: 1, classes: 4, size: 15) },
                       "synthetic plankton: image size must be at least 16 pixels, got 15")
        XCTAssertEqual(message { try SyntheticPlankton.contactSheet(seed: 1, classes: 4, perClass: 0, size: 32) },
                       "synthetic plankton: a contact sheet needs at least 1 image per class, got 0")
        XCTAssertNotNil(message { try SyntheticPlankton.contactSheet(seed: 1, classes: 20, perClass: 2, size: 32) })
        XCTAssertNil(message { try SyntheticPlankton(seed: 1, classes: 13, size: 16) })
        XCTAssertEqual(SyntheticPlanktonError(message: "m").localizedDescription, "m")
    }

    func testOutputSizeIsExact() throws {
        for size in [16, 33, 64, 96] {
            let g = try SyntheticPlankton(seed: 3, classes: 13, size: size)
            for c in 0..<13 {
                let image = g.image(classIndex: c, index: c)
                XCTAssertEqual(image.width, size)
                XCTAssertEqual(image.height, size)
                XCTAssertEqual(image.pixels.count, size * size)
            }
        }
    }

    // MARK: Determinism

    func testSameArgumentsGiveIdenticalPicturesInAnyOrder() throws {
        let a = try SyntheticPlankton(seed: 42, classes: 13, size: 48)
        let b = try SyntheticPlankton(seed: 42, classes: 13, size: 48)
        for c in 0..<13 {
            let alone = a.image(classIndex: c, index: 5)
            XCTAssertEqual(alone, a.image(classIndex: c, index: 5), "class \(c): twice from one generator")
            let inSequence = b.images(classIndex: c, count: 6)
            XCTAssertEqual(inSequence.count, 6)
            XCTAssertEqual(inSequence[5], alone, "class \(c): index 5 after 0...4 equals index 5 alone")
        }
        // The class count does not change a class's pictures.
        let few = try SyntheticPlankton(seed: 42, classes: 2, size: 48)
        XCTAssertEqual(few.image(classIndex: 1, index: 7), a.image(classIndex: 1, index: 7))
    }

    func testDifferentSeedsAndIndexesDiffer() throws {
        let one = try SyntheticPlankton(seed: 1, classes: 13, size: 32)
        let two = try SyntheticPlankton(seed: 2, classes: 13, size: 32)
        for c in 0..<13 {
            XCTAssertNotEqual(one.image(classIndex: c, index: 0), two.image(classIndex: c, index: 0), "class \(c)")
            XCTAssertNotEqual(one.image(classIndex: c, index: 0), one.image(classIndex: c, index: 1), "class \(c)")
        }
        XCTAssertNotEqual(one.image(classIndex: 0, index: 3), one.image(classIndex: 1, index: 3))
    }

    // MARK: Content

    func testEveryClassDrawsDarkInkOnAWhiteBorder() throws {
        let size = 64
        let g = try SyntheticPlankton(seed: 7, classes: 13, size: size)
        for c in 0..<13 {
            for i in 0..<25 {
                let image = g.image(classIndex: c, index: i)
                var border: [UInt8] = []
                for k in 0..<size { border += [image[k, 0], image[k, size - 1], image[0, k], image[size - 1, k]] }
                let mean = Double(border.reduce(0) { $0 + Int($1) }) / Double(border.count)
                let light = Double(border.filter { $0 >= 200 }.count) / Double(border.count)
                let median = Int(border.sorted()[border.count / 2])
                let inked = image.pixels.filter { Int($0) < median - 20 }.count
                let darkest = Int(image.pixels.min() ?? 255)
                let what = "\(g.classNames[c]) #\(i)"
                XCTAssertGreaterThan(mean, 225, "\(what): border should be white-ish")
                XCTAssertGreaterThan(light, 0.85, "\(what): border should be mostly background")
                XCTAssertGreaterThanOrEqual(inked, 30, "\(what): too little ink")
                XCTAssertLessThanOrEqual(darkest, median - 40, "\(what): nothing dark")
            }
        }
    }

    func testContactSheetLayout() throws {
        let size = 20, perClass = 3, classes = 4
        let sheet = try SyntheticPlankton.contactSheet(seed: 5, classes: classes, perClass: perClass, size: size)
        let gutter = SyntheticPlankton.contactSheetGutter
        XCTAssertEqual(sheet.width, perClass * size + (perClass + 1) * gutter)
        XCTAssertEqual(sheet.height, classes * size + 2 * gutter + (classes - 1) * (2 * gutter + 1))
        let g = try SyntheticPlankton(seed: 5, classes: classes, size: size)
        let pitch = size + 2 * gutter + 1
        for row in 0..<classes {
            let top = gutter + row * pitch
            for column in 0..<perClass {
                let left = gutter + column * (size + gutter)
                let picture = g.image(classIndex: row, index: column)
                for y in 0..<size {
                    for x in 0..<size where sheet[left + x, top + y] != picture[x, y] {
                        XCTFail("row \(row) column \(column) differs at (\(x), \(y))")
                        return
                    }
                }
            }
            if row > 0 {
                let line = top - gutter - 1
                XCTAssertTrue((0..<sheet.width).allSatisfy { sheet[$0, line] == SyntheticPlankton.contactSheetSeparator })
                XCTAssertTrue((0..<sheet.width).allSatisfy { sheet[$0, line - 1] == 255 && sheet[$0, line + 1] == 255 })
            }
        }
        XCTAssertTrue((0..<sheet.width).allSatisfy { sheet[$0, 0] == 255 && sheet[$0, sheet.height - 1] == 255 })
    }

    // MARK: Difficulty

    /// Raw pixels must carry the classes (well above chance) but leave plenty for a learned
    /// embedding (well below perfect). Measured at 32 px with 13 x 60 pictures (30 + 30), seeds
    /// 1, 2, 3, 7, 42, 100: nearest centroid 0.32-0.37, 1-NN 0.39-0.42 (chance 0.077); 1-NN pair
    /// confusion 0.25-0.47 against a mean off-diagonal rate of about 0.05.
    func testRawPixelClassifiersAreAboveChanceButFarFromPerfect() throws {
        let g = try SyntheticPlankton(seed: 42, classes: 13, size: 32)
        let result = RawPixelBaseline(generator: g, perClass: 60)
        print("raw pixels, 13 classes at 32 px: nearest centroid \(result.nearestCentroidAccuracy), "
              + "1-NN \(result.nearestNeighbourAccuracy)")
        let chance = 1.0 / 13
        for (name, accuracy) in [("nearest centroid", result.nearestCentroidAccuracy),
                                 ("1-NN", result.nearestNeighbourAccuracy)] {
            XCTAssertGreaterThan(accuracy, 1.5 * chance, "\(name): the classes should be learnable")
            XCTAssertLessThan(accuracy, 0.6, "\(name): raw pixels should not solve the data set")
        }
        // The deliberately confusable pairs are taken for each other far more than average.
        let average = result.meanOffDiagonalRate
        for (a, b) in g.confusablePairs {
            let rate = result.pairConfusionRate(a, b)
            print("pair \(g.classNames[a]) / \(g.classNames[b]): 1-NN confusion \(rate), mean off-diagonal \(average)")
            XCTAssertGreaterThan(rate, 2 * average, "\(g.classNames[a]) / \(g.classNames[b]) should be confusable")
        }
    }
}

/// Raw-pixel classifiers on a half/half split of generated pictures: how hard the data set is
/// for a method that learns no features.
struct RawPixelBaseline {
    var nearestCentroidAccuracy: Double = 0
    var nearestNeighbourAccuracy: Double = 0
    /// 1-NN confusion counts: confusion[true][predicted].
    var confusion: [[Int]]
    let perClassTest: Int

    init(generator: SyntheticPlankton, perClass: Int) {
        let k = generator.classCount
        let n = generator.size * generator.size
        var train: [[Float]] = [], trainLabels: [Int] = [], test: [[Float]] = [], testLabels: [Int] = []
        for c in 0..<k {
            for i in 0..<perClass {
                let x = generator.image(classIndex: c, index: i).pixels.map { Float($0) / 255 }
                if i % 2 == 0 { train.append(x); trainLabels.append(c) } else { test.append(x); testLabels.append(c) }
            }
        }
        perClassTest = perClass / 2
        var centroids = [[Float]](repeating: [Float](repeating: 0, count: n), count: k)
        var counts = [Float](repeating: 0, count: k)
        for (x, c) in zip(train, trainLabels) {
            for j in 0..<n { centroids[c][j] += x[j] }
            counts[c] += 1
        }
        for c in 0..<k { for j in 0..<n { centroids[c][j] /= counts[c] } }
        func distance(_ a: [Float], _ b: [Float]) -> Float {
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    var s: Float = 0
                    for j in 0..<pa.count { let d = pa[j] - pb[j]; s += d * d }
                    return s
                }
            }
        }
        confusion = [[Int]](repeating: [Int](repeating: 0, count: k), count: k)
        var ncCorrect = 0, nnCorrect = 0
        for (x, c) in zip(test, testLabels) {
            let nc = (0..<k).min { distance(x, centroids[$0]) < distance(x, centroids[$1]) } ?? -1
            if nc == c { ncCorrect += 1 }
            var best = Float.infinity, bestLabel = -1
            for (t, label) in zip(train, trainLabels) {
                let d = distance(x, t)
                if d < best { best = d; bestLabel = label }
            }
            if bestLabel == c { nnCorrect += 1 }
            confusion[c][bestLabel] += 1
        }
        nearestCentroidAccuracy = Double(ncCorrect) / Double(test.count)
        nearestNeighbourAccuracy = Double(nnCorrect) / Double(test.count)
    }

    /// Mean over ordered pairs of different classes of the rate at which one is taken for the other.
    var meanOffDiagonalRate: Double {
        let k = confusion.count
        var sum = 0
        for i in 0..<k { for j in 0..<k where i != j { sum += confusion[i][j] } }
        return Double(sum) / Double(k * (k - 1) * perClassTest)
    }

    /// The rate at which `a` is taken for `b` or `b` for `a` (the mean of the two rates).
    func pairConfusionRate(_ a: Int, _ b: Int) -> Double {
        Double(confusion[a][b] + confusion[b][a]) / Double(2 * perClassTest)
    }
}
