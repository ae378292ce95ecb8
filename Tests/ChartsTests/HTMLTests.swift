@testable import Charts
import XCTest

final class HTMLTests: XCTestCase {
    static func content() throws -> ReportContent {
        let report = "class,precision,recall,f1,support\nCalanoida,0.81,0.78,0.79,100\n\"Oithona, sp.\",0.70,0.74,0.72,100\n"
            + "accuracy,,,0.76,200\nmacro avg,0.755,0.76,0.755,200\nweighted avg,0.755,0.76,0.755,200\n"
        return ReportContent(
            title: "demo <run> & \"friends\"", subtitle: "run demo #3",
            provenance: [("krill", "0.1.0"), ("commit", "abc123 (dirty)")],
            experimentYAML: "seed: 42\nnote: \"<script>alert(1)</script>\"\n",
            metrics: ReportTable(caption: "Accuracy", header: ["epoch", "svm", "kmeans"],
                                 rows: [["5", "0.61", "0.50"], ["30", "0.75", "0.63"]]),
            figures: [ReportFigure(caption: "Loss per epoch", path: "plots/loss.png"),
                      ReportFigure(caption: "t-SNE animation", path: "plots/tsne.gif")],
            snapshots: [
                ReportSnapshot(epoch: 5, figures: [ReportFigure(caption: "Confusion", path: "epoch-5/confusion.png")],
                               tables: [try ReportTable(caption: "SVM classification report", csv: report)]),
                ReportSnapshot(epoch: 30, figures: [ReportFigure(caption: "t-SNE <30>", path: "epoch-30/t sne#1.png")],
                               tables: []),
            ],
            stages: [ReportStageRow(node: "train", kind: "train", state: "computed", seconds: 812.25),
                     ReportStageRow(node: "svm@5", kind: "svm", state: "cached", seconds: nil)])
    }

    /// Checks that non-void elements open and close in order (a small HTML5 sanity check).
    static func assertBalanced(_ html: String, file: StaticString = #filePath, line: UInt = #line) {
        let void: Set<String> = ["meta", "img", "br", "hr", "link", "input", "col", "source", "wbr"]
        var stack: [String] = []
        var rest = Substring(html)
        while let open = rest.firstIndex(of: "<") {
            guard let close = rest[open...].firstIndex(of: ">") else { XCTFail("unclosed <", file: file, line: line); return }
            let tag = rest[rest.index(after: open)..<close]
            rest = rest[rest.index(after: close)...]
            if tag.hasPrefix("!") { continue }
            let isEnd = tag.hasPrefix("/")
            let name = String((isEnd ? tag.dropFirst() : tag).prefix { $0.isLetter || $0.isNumber }).lowercased()
            if void.contains(name) { continue }
            if isEnd {
                guard stack.last == name else {
                    XCTFail("</\(name)> closes <\(stack.last ?? "nothing")>", file: file, line: line)
                    return
                }
                stack.removeLast()
            } else {
                stack.append(name)
            }
        }
        XCTAssertEqual(stack, [], "unclosed elements", file: file, line: line)
    }

    static func sources(_ html: String) -> [String] {
        html.components(separatedBy: "src=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
    }

    func testReportEscapesEverything() throws {
        let html = try ReportPage.render(Self.content())
        XCTAssertFalse(html.contains("<script"), "raw script tag in the page")
        XCTAssertTrue(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        XCTAssertTrue(html.contains("<title>demo &lt;run&gt; &amp; &quot;friends&quot;</title>"))
        XCTAssertTrue(html.contains("t-SNE &lt;30&gt;"))
        XCTAssertTrue(html.contains("Oithona, sp."), "quoted CSV field")
    }

    func testReportIsSelfContainedWithRelativeImages() throws {
        let html = try ReportPage.render(Self.content())
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">"))
        XCTAssertTrue(html.contains("<meta charset=\"utf-8\">"))
        XCTAssertFalse(html.contains("http://") || html.contains("https://") || html.contains("<link"), "network reference")
        let srcs = Self.sources(html)
        XCTAssertEqual(srcs, ["plots/loss.png", "plots/tsne.gif", "epoch-5/confusion.png", "epoch-30/t%20sne%231.png"])
        XCTAssertTrue(srcs.allSatisfy(HTML.isRelative))
        Self.assertBalanced(html)
        XCTAssertEqual(try ReportPage.render(Self.content()), html, "not a pure function")
    }

    func testReportStructure() throws {
        let html = try ReportPage.render(Self.content())
        for id in ["metrics", "plots", "epoch-5", "epoch-30", "stages", "experiment"] {
            XCTAssertTrue(html.contains("<section id=\"\(id)\">"), id)
            XCTAssertTrue(html.contains("href=\"#\(id)\""), "no link to \(id)")
        }
        XCTAssertTrue(html.contains("<caption>SVM classification report</caption>"))
        XCTAssertTrue(html.contains("<th scope=\"row\">macro avg</th>"))
        XCTAssertTrue(html.contains("<td class=\"num\">0.755</td>"))
        XCTAssertTrue(html.contains("<td class=\"state-computed\">computed</td><td class=\"num\">812.2</td>")
                      || html.contains("<td class=\"state-computed\">computed</td><td class=\"num\">812.3</td>"))
        XCTAssertTrue(html.contains("<td class=\"state-cached\">cached</td><td class=\"num\">—</td>"))
    }

    func testAbsoluteOrRemoteImagePathsAreRefused() throws {
        for bad in ["/tmp/x.png", "http://example.com/x.png", "file:///x.png", "data:image/png;base64,AA", "~/x.png", ""] {
            var c = try Self.content()
            c.figures.append(ReportFigure(caption: "bad", path: bad))
            XCTAssertThrowsError(try ReportPage.render(c), bad)
        }
        XCTAssertTrue(HTML.isRelative("epoch-5/a:b.png"))
        XCTAssertTrue(HTML.isRelative("../other/plots/loss.png"))
    }

    func testDiffPageShowsParamsMetricsAndPlotsSideBySide() {
        let c = DiffContent(title: "demo@1 vs demo@2", runA: "demo@1", runB: "demo@2 <new>",
                            params: [.init(key: "loss.variant", a: "std_triplet", b: "batch_hard"),
                                     .init(key: "training.epochs", a: nil, b: "5")],
                            metrics: [.init(name: "svm accuracy @30", a: 0.5, b: 0.55),
                                      .init(name: "kmeans accuracy @30", a: 0.63, b: 0.6),
                                      .init(name: "zero-shot", a: nil, b: 0.4)],
                            plots: [.init(caption: "Loss", a: "/runs/demo/1/plots/loss.png", b: "../demo/2/plots/loss.png"),
                                    .init(caption: "t-SNE animation", a: "a/tsne.gif", b: nil)],
                            stages: [.init(node: "split", shared: true), .init(node: "train", shared: false)])
        let html = DiffPage.render(c)
        Self.assertBalanced(html)
        XCTAssertTrue(html.contains("<code>loss.variant</code>"))
        XCTAssertTrue(html.contains("<em>absent</em>"))
        XCTAssertTrue(html.contains("+0.0500 (+10.0%)"), html)
        XCTAssertTrue(html.contains("\u{2212}0.0300 (\u{2212}4.8%)"))
        XCTAssertTrue(html.contains("demo@2 &lt;new&gt;"))
        XCTAssertFalse(html.contains("<new>"))
        XCTAssertEqual(Self.sources(html), ["/runs/demo/1/plots/loss.png", "../demo/2/plots/loss.png", "a/tsne.gif"])
        XCTAssertTrue(html.contains("no such plot in demo@2 &lt;new&gt;"))
        XCTAssertTrue(html.contains("1 of 2 stages shared"))
        XCTAssertEqual(html.components(separatedBy: "<div class=\"pair\">").count - 1, 2)
    }

    func testEscape() {
        XCTAssertEqual(HTML.escape("a<b>&\"c\"'d'"), "a&lt;b&gt;&amp;&quot;c&quot;&#39;d&#39;")
        XCTAssertEqual(HTML.pathReference("epoch-5/svm/confusion.png"), "epoch-5/svm/confusion.png")
        XCTAssertEqual(HTML.pathReference("a b/c\"d.png"), "a%20b/c%22d.png")
    }
}
