import Charts
import Foundation
import XCTest

/// Compares a chart's PNG bytes with `Snapshots/<name>.png` next to this file.
///
/// - `KRILL_RECORD=1 swift test --filter ChartsTests` rewrites the snapshots.
/// - On a mismatch the new PNG goes to a temporary file whose path the failure names,
///   with the number of differing pixels (or the sizes, when they differ).
/// - A missing snapshot fails and writes the candidate to a temporary file.
func assertSnapshot(_ chart: any Chart, named name: String, file: StaticString = #filePath, line: UInt = #line) throws {
    let folder = URL(fileURLWithPath: "\(#filePath)").deletingLastPathComponent().appendingPathComponent("Snapshots")
    let url = folder.appendingPathComponent("\(name).png")
    let actual = try chart.pngData()
    if ProcessInfo.processInfo.environment["KRILL_RECORD"] == "1" {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try actual.write(to: url)
        print("recorded snapshot \(url.path) (\(actual.count) bytes)")
        return
    }
    let candidate = FileManager.default.temporaryDirectory.appendingPathComponent("krill-snapshot-\(name)-new.png")
    guard let expected = try? Data(contentsOf: url) else {
        try actual.write(to: candidate)
        XCTFail("no snapshot \(url.path); the rendered PNG is at \(candidate.path). "
                + "Record with KRILL_RECORD=1 swift test --filter ChartsTests", file: file, line: line)
        return
    }
    if actual == expected { return }
    try actual.write(to: candidate)
    let a = try RGBAImage(pngData: actual), e = try RGBAImage(pngData: expected)
    if let differing = a.differingPixels(from: e) {
        XCTFail("snapshot \(name) differs in \(differing) of \(a.width * a.height) pixels"
                + (differing == 0 ? " (same pixels, different PNG bytes: libpng/zlib version?)" : "")
                + "; new PNG at \(candidate.path), expected \(url.path). "
                + "Re-record with KRILL_RECORD=1 if the change is intended.", file: file, line: line)
    } else {
        XCTFail("snapshot \(name) is \(e.width)x\(e.height), rendered \(a.width)x\(a.height); new PNG at "
                + "\(candidate.path). Re-record with KRILL_RECORD=1 if intended.", file: file, line: line)
    }
}
