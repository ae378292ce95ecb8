import Charts
import Foundation
import XCTest

/// Example output for people and for the browser check:
/// - `KRILL_CHARTS_GALLERY=/folder` writes every example chart, SVGs, a HiDPI PNG, the
///   t-SNE animation and a run folder with `report.html` and `diff.html` there.
/// - `KRILL_CHECK_REPORT=1` renders the run folder to a temporary folder and runs
///   `tools/check_report.sh` on its report (needs Chromium).
final class GalleryTests: XCTestCase {
    func testWriteGallery() throws {
        guard let folder = ProcessInfo.processInfo.environment["KRILL_CHARTS_GALLERY"] else {
            throw XCTSkip("set KRILL_CHARTS_GALLERY=/some/folder to write the example charts there")
        }
        let out = URL(fileURLWithPath: folder, isDirectory: true)
        for (name, chart) in Gallery.all() {
            try chart.write(to: out.appendingPathComponent(name))
        }
        try Gallery.loss().write(to: out.appendingPathComponent("loss.svg"))
        try Gallery.centroids6().write(to: out.appendingPathComponent("centroids6.svg"))
        try Gallery.loss().write(to: out.appendingPathComponent("loss@2x.png"), scale: 2)
        let names93 = (0..<93).map { "taxon_\($0)" + ($0 % 7 == 0 ? "__with_a_long_name" : "") }
        try Heatmap.confusion(counts: Fixtures.confusion(classes: 93, perClass: 30), labels: names93,
                              title: "93 classes").write(to: out.appendingPathComponent("confusion93.png"))
        // Edge cases: one snapshot, a constant learning rate, few classes with short names.
        try LineChart(series: [LineSeries(name: "SVM", x: [30], y: [0.75], marker: .square),
                               LineSeries(name: "k-means", x: [30], y: [0.63], marker: .triangle)],
                      title: "Accuracy per snapshot", xLabel: "epoch", yLabel: "accuracy", yRange: 0...1, integerX: true)
            .write(to: out.appendingPathComponent("edge-one-snapshot.png"))
        let h = Fixtures.history(epochs: 5)
        try LineChart(series: [LineSeries(name: "train loss", values: h.train),
                               LineSeries(name: "validation loss", values: h.validation),
                               LineSeries(name: "learning rate", values: [Double](repeating: 0.001, count: 5), color: .gray(0.45),
                                          axis: .right, dashed: true, stepped: true)],
                      title: "Loss per epoch", xLabel: "epoch", yLabel: "loss", rightYLabel: "learning rate",
                      rightYScale: .log, integerX: true)
            .write(to: out.appendingPathComponent("edge-constant-lr.png"))
        try Heatmap.confusion(counts: [[9, 1, 0], [2, 7, 1], [0, 0, 0]], labels: ["a", "b", "c"], title: "3 classes, one empty")
            .write(to: out.appendingPathComponent("edge-confusion3.png"))
        let animation = try writeRunFolder(to: out.appendingPathComponent("run"))
        // The first animation frame after quantisation (to look at the palette's effect).
        let palette = animation.palette
        let first = animation.frames[0]
        let quantised: [UInt8] = palette.quantize(first).flatMap { palette.colors[Int($0)] + [UInt8(255)] }
        try RGBAImage(width: first.width, height: first.height, pixels: quantised).pngData()
            .write(to: out.appendingPathComponent("tsne-gif-frame0.png"))
    }

    func testReportOpensInChromiumWithoutMissingImagesOrErrors() throws {
        guard ProcessInfo.processInfo.environment["KRILL_CHECK_REPORT"] == "1" else {
            throw XCTSkip("set KRILL_CHECK_REPORT=1 to open a rendered report in headless Chromium")
        }
        let root = URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("krill-report-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try writeRunFolder(to: folder)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [root.appendingPathComponent("tools/check_report.sh").path,
                             folder.appendingPathComponent("report.html").path]
        var env = ProcessInfo.processInfo.environment
        env["KRILL_NO_INSTALL"] = "1"
        process.environment = env
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, output)
        XCTAssertTrue(output.contains("chromium loaded 11 images"), output)
    }

    /// A run folder like the report stage writes: plots/, epoch-<e>/, report.html, diff.html.
    @discardableResult
    func writeRunFolder(to run: URL) throws -> GIFAnimation {
        let frames = [2.0, 1.3, 0.8, 0.5].enumerated().map { k, spread in
            let t = Fixtures.tsne(classes: 27, perClass: 100, spread: spread)
            return GIFAnimation.TSNEFrame(epoch: [1, 5, 15, 30][k], x: t.x, y: t.y, classes: t.classes)
        }
        let animation = try GIFAnimation.tsne(frames, classNames: Fixtures.taxa27)
        try animation.write(to: run.appendingPathComponent("plots/tsne.gif"))
        let files: [(String, any Chart)] = [
            ("plots/loss.png", Gallery.loss()), ("plots/cluster_size.png", Gallery.clusterSizes()),
            ("plots/accuracy.png", Gallery.accuracy()),
            ("epoch-30/confusion.png", Gallery.confusion27()), ("epoch-30/centroids.png", Gallery.centroids27()),
            ("epoch-30/tsne.png", Gallery.tsne27()), ("epoch-30/confused_pair.png", Gallery.confusedPair()),
            ("epoch-5/confusion.png", Gallery.confusion6()), ("epoch-5/centroids.png", Gallery.centroids6()),
            ("epoch-5/tsne.png", Gallery.tsne6()),
        ]
        for (path, chart) in files { try chart.write(to: run.appendingPathComponent(path)) }
        let content = try HTMLTests.content()
        var page = content
        page.title = "demo: 27 synthetic classes, batch_hard"
        page.figures = [ReportFigure(caption: "Loss per epoch (lr on the right axis)", path: "plots/loss.png"),
                        ReportFigure(caption: "Cluster size and centroid distance", path: "plots/cluster_size.png"),
                        ReportFigure(caption: "Accuracy per snapshot", path: "plots/accuracy.png"),
                        ReportFigure(caption: "t-SNE over the snapshot epochs", path: "plots/tsne.gif")]
        func figures(_ e: Int) -> [ReportFigure] {
            [ReportFigure(caption: "Nearest-centroid confusion", path: "epoch-\(e)/confusion.png"),
             ReportFigure(caption: "Centroid distances and cluster sizes", path: "epoch-\(e)/centroids.png"),
             ReportFigure(caption: "t-SNE", path: "epoch-\(e)/tsne.png")]
        }
        page.snapshots = [
            ReportSnapshot(epoch: 5, figures: figures(5), tables: content.snapshots[0].tables),
            ReportSnapshot(epoch: 30, figures: figures(30) + [ReportFigure(caption: "Most confused pair",
                                                                           path: "epoch-30/confused_pair.png")],
                           tables: content.snapshots[0].tables),
        ]
        try Data(ReportPage.render(page).utf8).write(to: run.appendingPathComponent("report.html"))
        let diff = DiffContent(title: "demo@1 vs demo@2", runA: "demo@1", runB: "demo@2",
                               params: [.init(key: "loss.variant", a: "std_triplet", b: "batch_hard")],
                               metrics: [.init(name: "svm accuracy @30", a: 0.71, b: 0.75)],
                               plots: [.init(caption: "Loss", a: "plots/loss.png", b: "plots/loss.png"),
                                       .init(caption: "Confusion @30", a: "epoch-30/confusion.png", b: nil)],
                               stages: [.init(node: "split", shared: true), .init(node: "train", shared: false)])
        try Data(DiffPage.render(diff).utf8).write(to: run.appendingPathComponent("diff.html"))
        return animation
    }
}
