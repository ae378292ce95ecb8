import Foundation
import Storage
import TestSupport
import XCTest

/// `krill embed`, `classify` and `export` on a run of a class-folder data set, and runs of
/// EcoTaxa and ZooScanNet fixture exports written to their published column layouts.
final class TrainedModelTests: KrillTestCase {
    static let experiment = """
        seed: 7
        data: {source: folders, folders: {root: data}}
        rescale: {size: 16}
        split: {validation: 6, test: 6}
        model: {channels: [4, 8], batch_norm: true, embedding: 8}
        training: {epochs: 2, steps_per_epoch: 4, batch: {triplets: 8}, snapshots: [1]}
        evaluate: {tsne: false, kmeans: {n_init: 1}, retrieval: false}
        """

    /// krill in the test folder (relative paths as a user types them).
    @discardableResult
    func krillHere(_ args: [String], expect status: Int32 = 0, file: StaticString = #filePath, line: UInt = #line) throws -> KrillResult {
        let r = try KrillProcess.run(args + (args.first == "synth" ? [] : ["--artifacts", artifacts]), in: dir.url)
        XCTAssertEqual(r.status, status, "krill \(args.joined(separator: " ")):\n\(r.stdout)\n\(r.stderr)", file: file, line: line)
        return r
    }

    func csvRows(_ path: String) throws -> [[String: String]] {
        let rows = try CSV.parse(String(contentsOf: dir.appending(path), encoding: .utf8))
        return rows.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(rows[0], $0)) }
    }

    func trainRun() throws {
        try krillHere(["synth", "data", "--classes", "4", "--per-class", "30", "--size", "32", "--seed", "7"])
        try Self.experiment.write(to: dir.appending("f.yaml"), atomically: true, encoding: .utf8)
        try krillHere(["run", "f.yaml"])
    }

    /// Classifying the run's own test images reproduces its svm/predictions.csv exactly; its
    /// validation images with centroids its predictions.csv; embeddings are bit-identical.
    func testClassifyingTheRunsOwnImagesReproducesItsPredictions() throws {
        try trainRun()
        for (epoch, folder) in [(2, "epoch-2"), (1, "epoch-1")] {
            let svm = try csvRows("artifacts/runs/f/1/\(folder)/svm/predictions.csv")
            let files = svm.map { "data/" + $0["path"]! }
            try krillHere(["classify", "f", "--epoch", String(epoch)] + files + ["-o", "p\(epoch).csv"])
            let ours = try csvRows("p\(epoch).csv")
            XCTAssertEqual(ours.map { $0["path"]! }, files)
            XCTAssertEqual(ours.map { $0["predicted"]! }, svm.map { $0["predicted"]! }, "epoch \(epoch)")
            for row in ours {
                let score = Double(row["score"]!)!, second = Double(row["second_score"]!)!
                XCTAssert(score <= 1 && second <= score && row["second"] != row["predicted"], "\(row)")
            }
            let centroid = try csvRows("artifacts/runs/f/1/\(folder)/predictions.csv")
            let validation = centroid.map { "data/" + $0["path"]! }
            try krillHere(["classify", "f", "--epoch", String(epoch), "--with", "centroid"] + validation + ["-o", "c.csv"])
            XCTAssertEqual(try csvRows("c.csv").map { $0["predicted"]! }, centroid.map { $0["predicted"]! })
            try krillHere(["embed", "f", "--epoch", String(epoch)] + validation + ["-o", "e.npy"])
            let embedded = try NPY.read(dir.appending("e.npy")), reference = try NPY.read(dir.appending("artifacts/runs/f/1/\(folder)/embeddings-validation.npy"))
            XCTAssertEqual(embedded.values.map(\.bitPattern), reference.values.map(\.bitPattern))
            XCTAssertEqual(try csvRows("e.csv").map { $0["path"]! }, validation)
        }
    }

    func testEmbedAFolderUnreadableFilesAndUnknowns() throws {
        try trainRun()
        // A folder is searched recursively in byte order; a broken file stops the command.
        try FileManager.default.createDirectory(at: dir.appending("new/sub"), withIntermediateDirectories: true)
        for (i, name) in ["data/copepod/copepod-00000.png", "data/egg/egg-00001.png", "data/chaetognath/chaetognath-00002.png"].enumerated() where FileManager.default.fileExists(atPath: dir.appending(name).path) {
            try FileManager.default.copyItem(at: dir.appending(name), to: dir.appending(i == 0 ? "new/b.png" : "new/sub/a\(i).PNG"))
        }
        try Data("not an image".utf8).write(to: dir.appending("new/broken.jpg"))
        try Data("notes".utf8).write(to: dir.appending("new/readme.txt"))
        let broken = try krillHere(["embed", "f", "new", "-o", "x.npy"], expect: 2)
        XCTAssert(broken.stderr.contains("new/broken.jpg: cannot read this image") && broken.stderr.contains("--skip-unreadable"), broken.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appending("x.npy").path))
        let skipped = try krillHere(["embed", "f", "new", "-o", "x.npy", "--skip-unreadable", "--save-inputs", "in.npy"])
        XCTAssert(skipped.stderr.contains("skipped 1 unreadable file") && skipped.stderr.contains("new/broken.jpg"), skipped.stderr)
        let paths = try csvRows("x.csv").map { $0["path"]! }
        XCTAssertEqual(paths.first, "new/b.png")
        XCTAssertFalse(paths.contains("new/broken.jpg") || paths.contains("new/readme.txt"))
        let x = try NPY.read(dir.appending("x.npy"))
        XCTAssertEqual(x.rows, paths.count)
        XCTAssertEqual(x.cols, 8)
        let inputs = try Data(contentsOf: dir.appending("in.npy"))
        XCTAssert(String(decoding: inputs.prefix(80), as: UTF8.self).contains("'descr': '|u1', 'fortran_order': False, 'shape': (\(paths.count), 16, 16)"))
        // Everything is unknown beyond a tiny distance; nothing beyond a huge one.
        try krillHere(["classify", "f", "new/b.png", "-o", "u.csv", "--unknown-beyond", "0.0001", "--with", "centroid"])
        let unknown = try csvRows("u.csv")[0]
        XCTAssertEqual(unknown["predicted"], "unknown")
        XCTAssertNotEqual(unknown["second"], "unknown")
        try krillHere(["classify", "f", "new/b.png", "-o", "u.csv", "--unknown-beyond", "1000"])
        XCTAssertNotEqual(try csvRows("u.csv")[0]["predicted"], "unknown")
        let summary = try krillHere(["classify", "f", "new", "--skip-unreadable", "-o", "s.csv", "--summary"])
        XCTAssert(summary.stdout.contains("class") && summary.stdout.contains("images  share"), summary.stdout)
        // Bad requests: a missing file, an epoch the run does not have, a non-snapshot epoch for classify.
        XCTAssert(try krillHere(["embed", "f", "nothing.png", "-o", "n.npy"], expect: 2).stderr.contains("nothing.png: no such file or folder"))
        XCTAssert(try krillHere(["embed", "f", "--epoch", "9", "new/b.png", "-o", "n.npy"], expect: 2).stderr.contains("trained epochs 1-2; there is no epoch 9"))
        try krillHere(["run", "f.yaml", "--set", "training.epochs=3"])
        XCTAssert(try krillHere(["classify", "f", "--epoch", "2", "new/b.png", "-o", "n.csv"], expect: 2).stderr.contains("exists only for the snapshot epochs"))
        XCTAssert(try krillHere(["embed", "nobody", "new/b.png", "-o", "n.npy"], expect: 2).stderr.contains("no runs named 'nobody'"))
    }

    /// The export has PyTorch's names and shapes, and loads back to the same embeddings.
    func testExportIsSafetensorsWithTorchNames() throws {
        try trainRun()
        try krillHere(["export", "f", "-o", "m.safetensors"])
        let bytes = [UInt8](try Data(contentsOf: dir.appending("m.safetensors")))
        let (tensors, metadata) = try Safetensors.decode(bytes)
        XCTAssertEqual(tensors.map(\.name), ["conv0.weight", "conv0.bias", "bn0.weight", "bn0.bias", "bn0.running_mean", "bn0.running_var",
                                             "bn0.num_batches_tracked", "conv1.weight", "conv1.bias", "bn1.weight", "bn1.bias",
                                             "bn1.running_mean", "bn1.running_var", "bn1.num_batches_tracked", "dense.weight", "dense.bias"])
        XCTAssertEqual(tensors[0].shape, [4, 1, 3, 3])
        XCTAssertEqual(tensors[7].shape, [8, 4, 3, 3])
        XCTAssertEqual(tensors[14].shape, [8, 8])
        XCTAssertEqual(metadata["format"], "pt")
        XCTAssertEqual(metadata["krill.epoch"], "2")
        let arch = try JSONValue.parse(Data(metadata["krill.architecture"]!.utf8))
        XCTAssertEqual(arch["channels"], .array([.int(4), .int(8)]))
        XCTAssertEqual(arch["input_side"], .int(16))
        XCTAssertEqual(try JSONValue.parse(Data(metadata["krill.rescale"]!.utf8))["size"], .int(16))
        // Header length is a multiple of 8 and the data section is exactly the tensors.
        let headerLength = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        XCTAssertEqual(headerLength % 8, 0)
        XCTAssertEqual(bytes.count, 8 + headerLength + tensors.reduce(0) { $0 + $1.bytes.count })
    }

    // MARK: - EcoTaxa and ZooScanNet sources

    /// EcoTaxa-like names and lineages for the synthetic classes.
    static let taxa = ["appendicularia_tail": ("Appendicularia", "living>Eukaryota>Opisthokonta>Holozoa>Metazoa>Chordata>Tunicata>Appendicularia"),
                       "chaetognath": ("Chaetognatha", "living>Eukaryota>Opisthokonta>Holozoa>Metazoa>Chaetognatha"),
                       "chaetognatha_tail": ("tail<Chaetognatha", "living>Eukaryota>Opisthokonta>Holozoa>Metazoa>Chaetognatha>tail"),
                       "copepod": ("Calanoida", "living>Eukaryota>Opisthokonta>Holozoa>Metazoa>Arthropoda>Crustacea>Copepoda>Calanoida")]

    /// The synthetic images as an EcoTaxa export: export/ecotaxa_export.tsv and
    /// export/<sample>/<object>.png; every fifth object predicted, not validated.
    func writeEcoTaxaExport() throws -> (validated: [String: Int], tsv: String) {
        try krillHere(["synth", "data", "--classes", "4", "--per-class", "30", "--size", "32", "--seed", "7"])
        var lines = ["object_id\tobject_lat\tobject_lon\tobject_date\tobject_annotation_status\tobject_annotation_category\tobject_annotation_hierarchy\timg_file_name\timg_rank\tsample_id",
                     "[t]\t[f]\t[f]\t[t]\t[t]\t[t]\t[t]\t[t]\t[f]\t[t]"]
        var validated: [String: Int] = [:]
        var n = 0
        for (folder, (category, lineage)) in Self.taxa.sorted(by: { $0.key < $1.key }) {
            for file in try FileManager.default.contentsOfDirectory(atPath: dir.appending("data/\(folder)").path).sorted() {
                n += 1
                let sample = "sample_\(n % 3)", image = "\(sample)/obj_\(n).png"
                try FileManager.default.createDirectory(at: dir.appending("export/\(sample)"), withIntermediateDirectories: true)
                try FileManager.default.copyItem(at: dir.appending("data/\(folder)/\(file)"), to: dir.appending("export/\(image)"))
                let status = n % 5 == 0 ? "predicted" : "validated"
                if status == "validated" { validated[category, default: 0] += 1 }
                lines.append("obj_\(n)\t43.7\t7.3\t2019-03-04\t\(status)\t\(category)\t\(lineage)\t\(image)\t0\t\(sample)")
            }
        }
        try lines.joined(separator: "\n").write(to: dir.appending("export/ecotaxa_export.tsv"), atomically: true, encoding: .utf8)
        return (validated, "export/ecotaxa_export.tsv")
    }

    func testEcoTaxaExportRunsAndClassifies() throws {
        let (validated, tsv) = try writeEcoTaxaExport()
        let experiment = Self.experiment.replacingOccurrences(of: "data: {source: folders, folders: {root: data}}",
                                                              with: "data: {source: ecotaxa, ecotaxa: {tsv: \(tsv)}}")
        try experiment.write(to: dir.appending("e.yaml"), atomically: true, encoding: .utf8)
        try krillHere(["run", "e.yaml"])
        let classes = try JSONValue.parse(Data(contentsOf: dir.appending("artifacts/runs/e/1/epoch-2/classes.json")))
        XCTAssertEqual(classes["classes"], .array(["Appendicularia", "Calanoida", "Chaetognatha", "tail<Chaetognatha"].map { .string($0) }))
        let test = try csvRows("artifacts/runs/e/1/epoch-2/svm/predictions.csv")
        XCTAssertEqual(test.count, 24)
        XCTAssert(test.allSatisfy { $0["path"]!.hasPrefix("sample_") }, "store paths are relative to the TSV's folder")
        // The run's test images, classified again: the same predictions.
        try krillHere(["classify", "e"] + test.map { "export/" + $0["path"]! } + ["-o", "p.csv"])
        XCTAssertEqual(try csvRows("p.csv").map { $0["predicted"]! }, test.map { $0["predicted"]! })
        // Only validated objects: with 6 validation and 6 test images per class, the rest train;
        // `status` with predicted too changes the source and retrains.
        XCTAssertEqual(validated.values.min()! >= 13, true)
        let all = try krillHere(["run", "e.yaml", "--set", "data.ecotaxa.status=[validated, predicted]"])
        XCTAssertEqual(states(all.stdout)["rescale"], "computed")
        XCTAssertEqual(states(all.stdout)["train@1"], "computed")
        // Lineage level 6: Appendicularia and Calanoida become Chordata and Arthropoda; the two
        // Chaetognatha classes merge (the tail's lineage is deeper).
        let level = try krillHere(["run", "e.yaml", "--set", "data.ecotaxa.label=lineage", "--set", "data.ecotaxa.lineage_level=6"])
        XCTAssertEqual(level.status, 0)
        let merged = try JSONValue.parse(Data(contentsOf: dir.appending("artifacts/runs/e/3/epoch-2/classes.json")))
        XCTAssertEqual(merged["classes"], .array(["Arthropoda", "Chaetognatha", "Chordata"].map { .string($0) }))
        // A misspelt class is a config error with a suggestion.
        let typo = try krillHere(["run", "e.yaml", "--set", "data.ecotaxa.classes=[Calanoid, Chaetognatha]"], expect: 2)
        XCTAssert(typo.stderr.contains("data.ecotaxa.classes: unknown class 'Calanoid' (did you mean 'Calanoida'?)"), typo.stderr)
    }

    /// ZooScanNet's layout with a set column: split.from: set uses it.
    func testZooScanNetWithItsOwnSplit() throws {
        try krillHere(["synth", "data", "--classes", "3", "--per-class", "20", "--size", "32", "--seed", "3"])
        // The later releases' layout (the set column is `train`, `val`, `test`).
        var lines = ["objid,taxon_level1,lineage_level1,taxon_level2,plankton,set,img_path"]
        var sets: [String: Int] = [:]
        var id = 1000
        for taxon in try FileManager.default.contentsOfDirectory(atPath: dir.appending("data").path).sorted() {
            try FileManager.default.createDirectory(at: dir.appending("ZooScanSet/imgs/\(taxon)"), withIntermediateDirectories: true)
            for (i, file) in try FileManager.default.contentsOfDirectory(atPath: dir.appending("data/\(taxon)").path).sorted().enumerated() {
                id += 1
                // The published images are JPEGs; PNG bytes under a .jpg name decode the same (krill reads the magic bytes).
                try FileManager.default.copyItem(at: dir.appending("data/\(taxon)/\(file)"), to: dir.appending("ZooScanSet/imgs/\(taxon)/\(id).jpg"))
                let set = i < 4 ? "val" : i < 7 ? "test" : "train"
                sets[set, default: 0] += 1
                lines.append("\(id),\(taxon),\"/Eukaryota/\(taxon)\",\(taxon),True,\(set),imgs/\(taxon)/\(id).jpg")
            }
        }
        try lines.joined(separator: "\n").write(to: dir.appending("ZooScanSet/taxa.csv"), atomically: true, encoding: .utf8)
        let experiment = Self.experiment
            .replacingOccurrences(of: "data: {source: folders, folders: {root: data}}", with: "data: {source: zooscannet, zooscannet: {root: ZooScanSet}}")
            .replacingOccurrences(of: "split: {validation: 6, test: 6}", with: "split: {from: set}")
        try experiment.write(to: dir.appending("z.yaml"), atomically: true, encoding: .utf8)
        try krillHere(["run", "z.yaml"])
        XCTAssertEqual(try csvRows("artifacts/runs/z/1/epoch-2/labels-validation.csv").count, sets["val"])
        XCTAssertEqual(try csvRows("artifacts/runs/z/1/epoch-2/labels-test.csv").count, sets["test"])
        XCTAssert(try csvRows("artifacts/runs/z/1/epoch-2/labels-test.csv").allSatisfy { $0["path"]!.hasSuffix(".jpg") })
        // The stratified counts do not apply to a set split; a set split without a set column is a config error.
        let both = try krillHere(["run", "z.yaml", "--set", "split.validation=3"], expect: 2)
        XCTAssert(both.stderr.contains("split.validation applies only when split.from is stratified"), both.stderr)
        try lines.map { $0.split(separator: ",").enumerated().filter { $0.offset != 5 }.map(\.element).joined(separator: ",") }.joined(separator: "\n")
            .write(to: dir.appending("ZooScanSet/taxa.csv"), atomically: true, encoding: .utf8)
        let setless = try krillHere(["run", "z.yaml"], expect: 2)
        XCTAssert(setless.stderr.contains("split.from: set needs a data set with its own split"), setless.stderr)
        let stratified = try krillHere(["run", "z.yaml", "--set", "split.from=stratified", "--set", "split.validation=5", "--set", "split.test=5"])
        XCTAssert(stratified.stdout.contains("run folder"), stratified.stderr)
    }
}
