import Foundation
import Storage
import TestSupport
import XCTest

/// Sweeps, the runs table, formats of status and diff.
final class SweepTests: KrillTestCase {
    func json(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8)) }

    func testTwoByTwoSweepGivesFourRunsATableThatMatchesThemAndComputesSharedStagesOnce() throws {
        let r = try krill(["run", smoke, "--sweep", "evaluate.svm.C=1,10", "--sweep", "seed=7,8", "--jobs", "2"])
        XCTAssert(r.stdout.contains("sweep folder: "), r.stdout)
        let sweep = dir.appending("artifacts/sweeps/smoke/1")
        let csv = try String(contentsOf: sweep.appendingPathComponent("sweep.csv"), encoding: .utf8)
        let rows = csv.split(separator: "\n").map(String.init)
        XCTAssertEqual(rows.count, 5, csv)
        let header = rows[0].split(separator: ",").map(String.init)
        XCTAssertEqual(Array(header.prefix(4)), ["member", "evaluate.svm.C", "seed", "run"])
        // Each row's metrics are the run's summary.json headline, exactly.
        var stateCounts: [String: [String: Int]] = [:]
        for member in ["evaluate.svm.C=1.0,seed=7", "evaluate.svm.C=1.0,seed=8", "evaluate.svm.C=10.0,seed=7", "evaluate.svm.C=10.0,seed=8"] {
            let folder = dir.appending("artifacts/runs/smoke/\(member)/1")
            // JSONValue parses numbers exactly (Foundation's JSONSerialization may not, on Linux).
            let summary = try JSONValue.parse(Data(contentsOf: folder.appendingPathComponent("summary.json")))
            let headline = (summary["headline"]?.objectValue ?? [:]).compactMapValues(\.doubleValue)
            let row = rows.first { $0.hasPrefix("\"\(member)\"") }!
            let fields = try parseCSVLine(row)
            for (i, column) in header.enumerated().dropFirst(4) {
                let metric = String(column.prefix { $0 != "(" })
                XCTAssertEqual(Double(fields[i]), headline[metric], "\(member) \(column)")
            }
            let record = try json(String(contentsOf: folder.appendingPathComponent("run.json"), encoding: .utf8)) as! [String: Any]
            XCTAssertEqual((record["sweep"] as? [String: Any])?["member"] as? String, member)
            XCTAssert((record["command_line"] as? [String])?.contains("--sweep") == true)
            for s in record["stages"] as! [[String: Any]] {
                stateCounts[s["node"] as! String + "|" + (s["key"] as! String), default: [:]][s["state"] as! String, default: 0] += 1
            }
        }
        // Every distinct stage (node and key) was computed exactly once across the members.
        for (stage, states) in stateCounts {
            XCTAssertEqual(states["computed"] ?? 0, 1, "\(stage): \(states)")
        }
        // The C members of one seed share the training.
        XCTAssertEqual(stateCounts.keys.filter { $0.hasPrefix("train@1|") }.count, 2)
        let html = try String(contentsOf: sweep.appendingPathComponent("sweep.html"), encoding: .utf8)
        XCTAssert(html.contains("<strong>") && html.contains("Over seeds") && html.contains(" ± "), "best marked, seeds table")
        XCTAssert(FileManager.default.fileExists(atPath: sweep.appendingPathComponent("plots/svm_accuracy-vs-evaluate.svm.C.png").path))
        XCTAssert(FileManager.default.fileExists(atPath: sweep.appendingPathComponent("plots/curves-loss.png").path))
        // A second run of the sweep is all cached.
        let again = try krill(["run", smoke, "--sweep", "evaluate.svm.C=1,10", "--sweep", "seed=7,8"])
        XCTAssert(again.stdout.contains("72 stages: 0 computed"), again.stdout)
    }

    func testSweepBlockInTheFileAndBadValuesWithPositions() throws {
        let file = dir.appending("sweep.yaml")
        try "extends: \(smoke)\nsweep:\n  evaluate.kmeans.n_init: [1, 2]\n".write(to: file, atomically: true, encoding: .utf8)
        let status = try krill(["status", file.path])
        XCTAssert(status.stdout.contains("sweep sweep: 2 members (evaluate.kmeans.n_init in [1, 2])"), status.stdout)
        XCTAssert(status.stdout.contains("evaluate.kmeans.n_init=1  18 stages: 0 cached"), status.stdout)
        let bad = try krill(["run", smoke, "--sweep", "loss.variant=std_triplet,semi_hardd", "--sweep", "seed=1,x"], expect: 2)
        XCTAssert(bad.stderr.contains("--sweep[1]:1:26: loss.variant: expected one of"), bad.stderr)
        XCTAssert(bad.stderr.contains("(did you mean 'semi_hard'?)"), bad.stderr)
        XCTAssert(bad.stderr.contains("--sweep[2]:1:8: seed: expected an integer, got 'x'"), bad.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: artifacts + "/runs"), "a config error writes nothing")
    }

    func testKilledSweepResumes() throws {
        let args = ["run", smoke, "--artifacts", artifacts, "--sweep", "seed=1,2,3", "--set", "training.steps_per_epoch=300"]
        let running = try RunningKrill(args)
        XCTAssert(running.waitFor("[seed=2] train@1: computed"), running.stderr)
        running.signal(SIGKILL)
        running.wait()
        let resumed = try krill(Array(args.dropLast(0)).filter { $0 != "--artifacts" && $0 != artifacts })
        XCTAssert(resumed.stdout.contains("sweep folder: "), resumed.stdout)
        let clean = dir.appending("clean").path
        try krill(["run", smoke, "--sweep", "seed=1,2,3", "--set", "training.steps_per_epoch=300"], artifacts: clean)
        for seed in 1...3 {
            try assertSameRunResults(dir.appending("artifacts/runs/smoke/seed=\(seed)/1"), URL(fileURLWithPath: clean + "/runs/smoke/seed=\(seed)/1"))
        }
    }

    func testRunsTableAndFormatsHoldTheSameFigures() throws {
        try krill(["run", smoke])
        try krill(["run", smoke, "--set", "evaluate.svm.C=10"])
        let text = try krill(["runs", "smoke"]).stdout
        let lines = text.split(separator: "\n").map(String.init)
        XCTAssert(lines[0].hasPrefix("run") && lines[0].contains("evaluate.svm.C") && lines[0].contains("svm_accuracy(test)"), text)
        XCTAssertFalse(lines[0].contains("seed"), "only the parameters that differ: \(lines[0])")
        let rows = try json(krill(["runs", "smoke", "--format", "json"]).stdout) as! [[String: Any]]
        XCTAssertEqual(rows.count, 2)
        for row in rows {
            let label = row["run"] as! String
            let metrics = row["metrics"] as! [String: Double]
            let line = lines.first { $0.hasPrefix(label + " ") }!
            XCTAssert(line.contains(String(format: "%.4f", metrics["svm_accuracy(test)"]!)), "\(line) vs \(metrics)")
        }
        XCTAssertEqual(try krill(["runs", "--where", "evaluate.svm.C=10", "--format", "csv"]).stdout.split(separator: "\n").count, 2)
        let sorted = try krill(["runs", "--sort", "svm_accuracy", "--format", "md"]).stdout
        XCTAssert(sorted.hasPrefix("| run |"), sorted)
        // diff: only what changed, as text and as JSON with the same figures.
        let diff = try krill(["diff", "smoke~1", "smoke"]).stdout
        XCTAssert(diff.contains("evaluate.svm.C: 1.0 -> 10.0") && diff.contains("metrics that changed"), diff)
        XCTAssertFalse(diff.contains("kmeans_accuracy"), "k-means did not change: \(diff)")
        let d = try json(krill(["diff", "smoke~1", "smoke", "--format", "json"]).stdout) as! [String: Any]
        let changed = d["metrics"] as! [[String: Any]]
        XCTAssert(changed.allSatisfy { ($0["metric"] as! String).contains("svm") }, "\(changed)")
        for m in changed { XCTAssert(diff.contains(m["metric"] as! String), "\(m)") }
        XCTAssert(try krill(["diff", "smoke~1", "smoke", "--all"]).stdout.contains("kmeans_accuracy"))
        // status as data.
        let status = try json(krill(["status", smoke, "--format", "json"]).stdout) as! [[String: Any]]
        XCTAssert(status.allSatisfy { $0["state"] as? String == "cached" })
        // compare: N runs with plots side by side.
        let page = dir.appending("compare.html").path
        let compare = try krill(["compare", "smoke~1", "smoke", "--html", page])
        XCTAssert(compare.stdout.contains("smoke@1") && compare.stdout.contains("smoke@2"), compare.stdout)
        XCTAssert(try String(contentsOfFile: page, encoding: .utf8).contains("plots/accuracy.png"))
    }
}

/// The fields of one CSV line (quotes honoured).
func parseCSVLine(_ line: String) throws -> [String] {
    var out: [String] = [], field = "", quoted = false
    var chars = Array(line)[...]
    while let c = chars.popFirst() {
        if quoted {
            if c == "\"" { if chars.first == "\"" { field.append("\""); chars.removeFirst() } else { quoted = false } } else { field.append(c) }
        } else if c == "\"" { quoted = true } else if c == "," { out.append(field); field = "" } else { field.append(c) }
    }
    out.append(field)
    return out
}
