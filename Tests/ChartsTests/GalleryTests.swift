import Charts
import Foundation
import XCTest

/// Writes every example chart into `$KRILL_CHARTS_GALLERY` (skipped when unset), so a
/// person can look at them at the size they are written.
final class GalleryTests: XCTestCase {
    func testWriteGallery() throws {
        guard let folder = ProcessInfo.processInfo.environment["KRILL_CHARTS_GALLERY"] else {
            throw XCTSkip("set KRILL_CHARTS_GALLERY=/some/folder to write the example charts there")
        }
        let out = URL(fileURLWithPath: folder, isDirectory: true)
        for (name, chart) in Gallery.all() {
            try chart.write(to: out.appendingPathComponent(name))
        }
    }
}
