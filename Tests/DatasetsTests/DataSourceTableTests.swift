import Foundation
import TestSupport
import XCTest
@testable import Datasets

/// EcoTaxa exports and ZooScanNet's taxa.csv, written to their published column layouts,
/// read into listings; the data set's own split; class sampling weights.
final class DataSourceTableTests: XCTestCase {
    var dir: TemporaryDirectory!
    override func setUpWithError() throws { dir = try TemporaryDirectory("krill-tables") }
    override func tearDown() { dir.remove() }

    /// An EcoTaxa export's columns (a subset of a real export's, in its order).
    static let ecoTaxaHeader = ["object_id", "object_lat", "object_lon", "object_date", "object_time", "object_depth_min",
                                "object_annotation_date", "object_annotation_person_name", "object_annotation_status",
                                "object_annotation_category", "object_annotation_hierarchy", "img_file_name", "img_rank",
                                "sample_id", "object_area"]
    static let copepod = "living>Eukaryota>Opisthokonta>Holozoa>Metazoa>Arthropoda>Crustacea>Multicrustacea>Copepoda>Calanoida"
    static let egg = "living>Eukaryota>Opisthokonta>Holozoa>Metazoa>Chordata>Actinopterygii>egg"

    /// Writes `<folder>/<name>` with one row per (id, status, category, lineage, image, rank)
    /// and a type row, and an image file for each row (bytes do not matter to the reader).
    func writeExport(_ folder: String, name: String = "ecotaxa_export.tsv", typeRow: Bool = true,
                     rows: [(String, String, String, String, String, Int)]) throws -> URL {
        let base = dir.appending(folder)
        var lines = [Self.ecoTaxaHeader.joined(separator: "\t")]
        if typeRow { lines.append(Self.ecoTaxaHeader.map { $0 == "object_area" || $0.hasSuffix("_lat") || $0.hasSuffix("_lon") || $0.hasSuffix("_min") || $0 == "img_rank" ? "[f]" : "[t]" }.joined(separator: "\t")) }
        for (id, status, category, lineage, image, rank) in rows {
            let cells = ["obj_\(id)", "43.68", "7.31", "2019-03-04", "101500", "0", "2020-01-02", "A. Expert", status,
                         category, lineage, image, String(rank), "sample_1", "120"]
            lines.append(cells.joined(separator: "\t"))
            let url = base.appendingPathComponent(image)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data("image \(id)".utf8).write(to: url)
        }
        let tsv = base.appendingPathComponent(name)
        try (lines.joined(separator: "\r\n") + "\r\n").write(to: tsv, atomically: true, encoding: .utf8)
        return tsv
    }

    var rows: [(String, String, String, String, String, Int)] {
        [("1", "validated", "Calanoida", Self.copepod, "img/1.jpg", 0),
         ("1", "validated", "Calanoida", Self.copepod, "img/1b.jpg", 1),       // the object's second image
         ("2", "validated", "Calanoida", Self.copepod, "img/2.jpg", 0),
         ("3", "predicted", "Calanoida", Self.copepod, "img/3.jpg", 0),
         ("4", "validated", "egg<Actinopterygii", Self.egg, "img/4.jpg", 0),
         ("5", "dubious", "egg<Actinopterygii", Self.egg, "img/5.jpg", 0),
         ("6", "", "", "", "img/6.jpg", 0),                                      // not classified yet
         ("7", "validated", "egg<Actinopterygii", Self.egg, "img/07.jpg", 0)]
    }

    func testEcoTaxaKeepsValidatedFirstImagesByCategory() throws {
        let tsv = try writeExport("export", rows: rows)
        let listing = try EcoTaxaExport.listing(tsv: tsv, images: nil, options: .init(), classes: nil)
        XCTAssertEqual(listing.classes, ["Calanoida", "egg<Actinopterygii"])
        XCTAssertEqual(listing.files.map(\.relativePath), ["img/1.jpg", "img/2.jpg", "img/07.jpg", "img/4.jpg"])
        XCTAssertEqual(listing.files.map(\.classIndex), [0, 0, 1, 1])
        XCTAssertEqual(listing.root.standardizedFileURL.path, dir.appending("export").standardizedFileURL.path)
        XCTAssertFalse(listing.classInPath)
        XCTAssertFalse(listing.hasSets)
        let r = try EcoTaxaExport.rows(tsv: tsv, images: nil, options: .init())
        XCTAssertEqual(r.skipped, ["1 rows with status (none)", "1 rows with status dubious", "1 rows with status predicted",
                                   "1 rows of an object's later images (img_rank > 0)"])
        // More statuses, and the lineage at depth 9 (Copepoda; the egg lineage is shorter: egg).
        let lineage = try EcoTaxaExport.listing(tsv: tsv, images: nil, options: .init(statuses: ["validated", "predicted", "dubious"], label: .lineage(level: 9)), classes: nil)
        XCTAssertEqual(lineage.classes, ["Copepoda", "egg"])
        XCTAssertEqual(lineage.countsPerClass, [3, 3])
        let whole = try EcoTaxaExport.listing(tsv: tsv, images: nil, options: .init(label: .lineage(level: nil)), classes: [Self.egg])
        XCTAssertEqual(whole.classes, [Self.egg])
        XCTAssertEqual(whole.countsPerClass, [2])
    }

    func testEcoTaxaProblemsNameTheFileAndLine() throws {
        let tsv = try writeExport("a", rows: rows)
        try FileManager.default.removeItem(at: dir.appending("a/img/4.jpg"))
        XCTAssertThrowsError(try EcoTaxaExport.listing(tsv: tsv, images: nil, options: .init(), classes: nil)) {
            XCTAssert("\($0)".contains("a/img/4.jpg: No such file"), "\($0)")
        }
        XCTAssertThrowsError(try EcoTaxaExport.listing(tsv: tsv, images: nil, options: .init(), classes: ["Calanoid"])) {
            XCTAssert("\($0)".contains("unknown class 'Calanoid'"), "\($0)")
        }
        // A short row, a missing column, an image listed twice.
        var text = try String(contentsOf: tsv, encoding: .utf8)
        try (text + "obj_9\t1\t2\r\n").write(to: tsv, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try EcoTaxaExport.rows(tsv: tsv, images: nil, options: .init())) {
            XCTAssertEqual("\($0)", "\(tsv.path):11: 3 cells, the header has 15")
        }
        let twice = try writeExport("b", typeRow: false, rows: [rows[0], ("8", "validated", "Calanoida", Self.copepod, "img/1.jpg", 0)])
        XCTAssertThrowsError(try EcoTaxaExport.rows(tsv: twice, images: nil, options: .init())) {
            XCTAssertEqual("\($0)", "\(twice.path):3: image 'img/1.jpg' is already listed at ecotaxa_export.tsv:2")
        }
        text = try String(contentsOf: twice, encoding: .utf8).replacingOccurrences(of: "object_annotation_status", with: "status")
        try text.write(to: twice, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try EcoTaxaExport.rows(tsv: twice, images: nil, options: .init())) {
            XCTAssert("\($0)".hasPrefix("\(twice.path):1: no column 'object_annotation_status'"), "\($0)")
        }
    }

    /// A folder of per-sample exports: every .tsv, images relative to their own table.
    func testEcoTaxaFolderOfSampleExports() throws {
        _ = try writeExport("exp/sample_1", name: "ecotaxa_sample_1.tsv", rows: Array(rows[0..<3]))
        _ = try writeExport("exp/sample_2", name: "ecotaxa_sample_2.tsv", rows: [rows[4], rows[7]])
        let listing = try EcoTaxaExport.listing(tsv: dir.appending("exp"), images: nil, options: .init(), classes: nil)
        XCTAssertEqual(listing.files.map(\.relativePath),
                       ["sample_1/img/1.jpg", "sample_1/img/2.jpg", "sample_2/img/07.jpg", "sample_2/img/4.jpg"])
    }

    func testEcoTaxaSetColumn() throws {
        let header = "img_file_name\tobject_annotation_status\tobject_annotation_category\tdataset_split"
        let body = ["a.png\tvalidated\tx\ttrain", "b.png\tvalidated\ty\tTest", "c.png\tvalidated\ty\ttrain"]
        try FileManager.default.createDirectory(at: dir.appending("s"), withIntermediateDirectories: true)
        for name in ["a.png", "b.png", "c.png"] { try Data([1]).write(to: dir.appending("s/" + name)) }
        try ([header] + body).joined(separator: "\n").write(to: dir.appending("s/t.tsv"), atomically: true, encoding: .utf8)
        let listing = try EcoTaxaExport.listing(tsv: dir.appending("s/t.tsv"), images: nil, options: .init(setColumn: "dataset_split"), classes: nil)
        XCTAssertTrue(listing.hasSets)
        XCTAssertEqual(listing.files.map(\.set), ["train", "Test", "train"])
    }

    func testZooScanNetTable() throws {
        let root = dir.appending("ZooScanSet")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let rows = [("101", "Evadne", "train"), ("102", "Evadne", "validation"), ("7", "Calanoida", "test"), ("8", "Calanoida", "train")]
        for (id, taxon, _) in rows {
            try FileManager.default.createDirectory(at: root.appendingPathComponent("imgs/\(taxon)"), withIntermediateDirectories: true)
            try Data([0xFF]).write(to: root.appendingPathComponent("imgs/\(taxon)/\(id).jpg"))
        }
        let lineage = { (t: String) in "\"living/Eukaryota/Opisthokonta/Holozoa/Metazoa/Arthropoda/Crustacea/\(t)\"" }
        try (["objid,taxon,lineage,set"] + rows.map { "\($0.0),\($0.1),\(lineage($0.1)),\($0.2)" }).joined(separator: "\n")
            .write(to: root.appendingPathComponent("taxa.csv"), atomically: true, encoding: .utf8)
        let listing = try ZooScanNetTable.listing(root: root, classes: nil)
        XCTAssertEqual(listing.classes, ["Calanoida", "Evadne"])
        XCTAssertEqual(listing.files.map(\.relativePath), ["Calanoida/7.jpg", "Calanoida/8.jpg", "Evadne/101.jpg", "Evadne/102.jpg"])
        XCTAssertEqual(listing.files.map(\.set), ["test", "train", "train", "validation"])
        XCTAssertTrue(listing.hasSets)
        // Without a set column: no sets. A missing image is named.
        try (["objid,taxon,lineage"] + rows.map { "\($0.0),\($0.1),\(lineage($0.1))" }).joined(separator: "\n")
            .write(to: root.appendingPathComponent("taxa.csv"), atomically: true, encoding: .utf8)
        XCTAssertFalse(try ZooScanNetTable.listing(root: root, classes: nil).hasSets)
        try FileManager.default.removeItem(at: root.appendingPathComponent("imgs/Evadne/102.jpg"))
        XCTAssertThrowsError(try ZooScanNetTable.listing(root: root, classes: nil)) { XCTAssert("\($0)".contains("imgs/Evadne/102.jpg"), "\($0)") }
        XCTAssertThrowsError(try ZooScanNetTable.listing(root: dir.appending("nowhere"), classes: nil)) {
            XCTAssert("\($0)".contains("nowhere: no such folder"), "\($0)")
        }
    }

    /// The later releases' layout: taxon_level1/2, set (train, val, test), img_path.
    func testZooScanNetLaterReleaseLayout() throws {
        let root = dir.appending("ZooScanSet")
        let rows = [("5", "Evadne", "Cladocera", "val"), ("6", "Evadne", "Cladocera", "train"), ("9", "Penilia", "Cladocera", "train")]
        for (id, taxon, _, _) in rows {
            try FileManager.default.createDirectory(at: root.appendingPathComponent("imgs/\(taxon)"), withIntermediateDirectories: true)
            try Data([0xFF]).write(to: root.appendingPathComponent("imgs/\(taxon)/\(id).jpg"))
        }
        let header = "objid,taxon_level1,lineage_level1,taxon_level2,plankton,set,img_path"
        try ([header] + rows.map { "\($0.0),\($0.1),/Eukaryota/Cladocera/\($0.1),\($0.2),True,\($0.3),imgs/\($0.1)/\($0.0).jpg" })
            .joined(separator: "\n").write(to: root.appendingPathComponent("taxa.csv"), atomically: true, encoding: .utf8)
        let level1 = try ZooScanNetTable.listing(root: root, classes: nil)
        XCTAssertEqual(level1.classes, ["Evadne", "Penilia"])
        XCTAssertEqual(level1.files.map(\.relativePath), ["Evadne/5.jpg", "Evadne/6.jpg", "Penilia/9.jpg"])
        XCTAssertEqual(level1.files.map(\.set), ["val", "train", "train"])
        let level2 = try ZooScanNetTable.listing(root: root, level: 2, classes: nil)
        XCTAssertEqual(level2.classes, ["Cladocera"])
        XCTAssertEqual(level2.countsPerClass, [3])
        // The published table is compressed: the error says what to do.
        try FileManager.default.moveItem(at: root.appendingPathComponent("taxa.csv"), to: root.appendingPathComponent("taxa.csv.gz"))
        XCTAssertThrowsError(try ZooScanNetTable.rows(root: root)) { XCTAssert("\($0)".contains("gunzip -k"), "\($0)") }
    }

    func testSetSplit() throws {
        let classes = ["a", "b", "c"]
        let labels = [0, 0, 0, 1, 1, 2, 2]
        let sets = ["train", "VAL", "test", "training", "testing", "train", "valid"]
        let paths = labels.indices.map { "p\($0)" }
        let split = try SetSplit(unseenClasses: ["c"]).apply(sets: sets, labels: labels, classes: classes, paths: paths)
        XCTAssertEqual(split, DatasetSplit(train: [0, 3], validation: [1], test: [2, 4], unseen: [5, 6]))
        XCTAssertThrowsError(try SetSplit().apply(sets: sets.map { $0 == "VAL" ? "dev" : $0 }, labels: labels, classes: classes, paths: paths)) {
            XCTAssertEqual("\($0)", "invalid split: 'p1' is in set 'dev'; split.from: set knows train, validation and test")
        }
        XCTAssertThrowsError(try SetSplit().apply(sets: sets.map { $0 == "train" ? "test" : $0 }, labels: labels, classes: classes, paths: paths)) {
            XCTAssertEqual("\($0)", "invalid split: class 'a' has no image in the data set's train set")
        }
    }

    /// Class weights: uniform is the old draw (bit for bit); proportional and sqrt follow
    /// the class sizes within sampling error.
    func testClassSamplingWeights() throws {
        // Classes of 10, 40 and 160 images.
        var labels: [Int] = []
        for (c, n) in [10, 40, 160].enumerated() { labels += Array(repeating: c, count: n) }
        let index = ClassIndex(rows: Array(labels.indices), labels: labels)
        func anchorShares(_ sampling: ClassSampling) throws -> [Double] {
            let sampler = try TripletSampler(index: index, seed: 3, sampling: sampling)
            var counts = [0.0, 0, 0]
            for step in 0..<200 { for t in sampler.batch(epoch: 1, step: step, count: 50) { counts[labels[t.anchor]] += 1 } }
            return counts.map { $0 / 10_000 }
        }
        let roots: [Double] = [10, 40, 160].map { $0.squareRoot() }
        let rootSum = roots.reduce(0, +)
        let cases: [(ClassSampling, [Double])] = [(.uniform, [1.0 / 3, 1.0 / 3, 1.0 / 3]),
                                                  (.proportional, [10.0 / 210, 40.0 / 210, 160.0 / 210]),
                                                  (.sqrt, roots.map { $0 / rootSum })]
        for (sampling, expected) in cases {
            let shares = try anchorShares(sampling)
            let worst = zip(shares, expected).map { abs($0 - $1) }.max()!
            XCTAssertLessThan(worst, 0.015, "\(sampling): shares \(shares), expected \(expected), largest difference \(worst)")
        }
        // P x K: with P = 2 of 3 classes, proportional sampling picks the big class almost always.
        let pk = try PKSampler(index: index, seed: 3, classesPerBatch: 2, perClass: 4, sampling: .proportional)
        var withBig = 0
        for step in 0..<500 where pk.batch(epoch: 1, step: step).labels.contains(2) { withBig += 1 }
        XCTAssertGreaterThan(withBig, 470, "expected about 489 of 500 (1 - 10/210 40/200 - 40/210 10/170)")
        // Negatives are never of the anchor's class.
        let sampler = try TripletSampler(index: index, seed: 4, sampling: .sqrt)
        XCTAssert(sampler.batch(epoch: 2, step: 1, count: 500).allSatisfy { labels[$0.anchor] != labels[$0.negative] })
    }
}
