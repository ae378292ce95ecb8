import Foundation
import TestSupport
import XCTest

/// What the end-to-end tests share: a fresh folder per test with an artifacts folder in it,
/// a `krill` runner that checks the exit status, and the stage table of a run as states.
class KrillTestCase: XCTestCase {
    var dir: TemporaryDirectory!
    var artifacts: String { dir.appending("artifacts").path }
    var smoke: String { RunnerTests.experiments.appendingPathComponent("smoke.yaml").path }

    override func setUpWithError() throws { dir = try TemporaryDirectory("krill-e2e") }
    override func tearDown() { dir.remove() }

    /// Runs `krill args --artifacts <artifacts>` and checks its exit status.
    @discardableResult
    func krill(_ args: [String], artifacts: String? = nil, expect status: Int32 = 0,
               file: StaticString = #filePath, line: UInt = #line) throws -> KrillResult {
        let r = try KrillProcess.run(args + ["--artifacts", artifacts ?? self.artifacts])
        XCTAssertEqual(r.status, status, "krill \(args.joined(separator: " ")):\n\(r.stdout)\n\(r.stderr)", file: file, line: line)
        return r
    }

    /// Stage states from the table printed at the end of a run.
    func states(_ output: String) -> [String: String] {
        var out: [String: String] = [:]
        for line in output.split(separator: "\n") {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            if f.count >= 4, ["computed", "cached", "resumed"].contains(String(f[1])) { out[String(f[0])] = String(f[1]) }
        }
        return out
    }
}
