import ArgumentParser
import Foundation
import Pipeline
import Stages
import Storage

/// `krill runs`: every run with its headline metrics.
struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "runs", abstract: "List runs with their headline metrics.")
    @OptionGroup var artifactOptions: ArtifactOptions

    func run() throws {
        let runs = RunFolder.all(in: artifactOptions.store)
        if runs.isEmpty { print("no runs in \(artifactOptions.store.runsFolder.path)"); return }
        for r in runs {
            let started = r.record?["started"]?.stringValue ?? "(unfinished)"
            let stages = r.record?["stages"]?.arrayValue ?? []
            let computed = stages.filter { $0["state"]?.stringValue != "cached" }.count
            var line = "\(r.label)  \(started)  \(stages.count) stages (\(computed) computed)"
            if let headline = r.summary?["headline"]?.objectValue {
                let shown = [("nearest_centroid_accuracy", "nc"), ("svm_accuracy", "svm"), ("kmeans_accuracy", "kmeans"),
                             ("kmeans_nmi", "nmi"), ("zeroshot_accuracy", "zeroshot")]
                line += "  " + shown.compactMap { key, label in
                    headline[key]?.doubleValue.map { String(format: "%@=%.3f", label as NSString, $0) }
                }.joined(separator: " ")
            }
            print(line)
        }
    }
}

/// `krill diff A B`: params that differ, metrics old/new/change, stages shared.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff", abstract: "Compare two runs: differing params, metrics, shared stages.",
        discussion: "A run is NAME (its latest), NAME@n, NAME~k (k before the latest) or a run folder path.")

    @Argument(help: "The first run.") var a: String
    @Argument(help: "The second run.") var b: String
    @Option(help: "Also write a side-by-side HTML page.") var html: String?
    @OptionGroup var artifactOptions: ArtifactOptions

    func run() throws {
        do {
            let store = artifactOptions.store
            let diff = try RunDiff(a: try RunFolder.resolve(a, in: store), b: try RunFolder.resolve(b, in: store))
            print(diff.text, terminator: "")
            if let html {
                try AtomicFile.write(DiffPage.render(diff), to: URL(fileURLWithPath: html))
                print("html: \(html)")
            }
        } catch {
            throw reportFailure(error)
        }
    }
}

/// `krill gc`: removes cache entries no run folder references.
struct GcCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gc", abstract: "Remove cache entries that no run folder references.")
    @Flag(name: .customLong("dry-run"), help: "List what would be removed.") var dryRun = false
    @OptionGroup var artifactOptions: ArtifactOptions

    func run() throws {
        let store = artifactOptions.store
        var referenced = Set<String>()
        for r in RunFolder.all(in: store) {
            for s in r.record?["stages"]?.arrayValue ?? [] { if let k = s["key"]?.stringValue { referenced.insert(k) } }
        }
        var removed = 0, bytes = 0
        for entry in store.allCommitted() where !referenced.contains(entry.manifest.key) {
            removed += 1
            bytes += entry.manifest.files.reduce(0) { $0 + $1.size }
            print("\(dryRun ? "would remove" : "removed") \(entry.manifest.kind) \(entry.manifest.key.prefix(12))")
            if !dryRun { try store.evict(entry) }
        }
        print("\(removed) entries, \(String(format: "%.1f", Double(bytes) / 1_048_576)) MiB\(dryRun ? " (dry run)" : "")")
    }
}

/// `krill verify`: re-hashes every committed cache entry.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "verify", abstract: "Re-hash committed cache entries and report corruption (exit 1).")
    @OptionGroup var artifactOptions: ArtifactOptions

    func run() throws {
        let store = artifactOptions.store
        var bad = 0, checked = 0
        for entry in store.allCommitted() {
            checked += 1
            let problems = store.verify(entry)
            if !problems.isEmpty {
                bad += 1
                print("\(entry.manifest.kind) \(entry.manifest.key.prefix(12)) (\(entry.folder.path)):")
                for p in problems { print("  \(p)") }
            }
        }
        print("\(checked) cache entries checked, \(bad) corrupt")
        if bad > 0 { throw ExitCode(1) }
    }
}

/// A minimal side-by-side page for `krill diff --html` (the full report comes with the charts).
enum DiffPage {
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    static func render(_ d: RunDiff) -> String {
        var h = "<!doctype html><meta charset=utf-8><title>krill diff \(escape(d.a.label)) vs \(escape(d.b.label))</title>"
        h += "<style>body{font-family:sans-serif;margin:2em}td,th{padding:2px 8px;text-align:left}</style>"
        h += "<h1>\(escape(d.a.label)) → \(escape(d.b.label))</h1><h2>Parameters that differ</h2><table><tr><th>key</th><th>\(escape(d.a.label))</th><th>\(escape(d.b.label))</th></tr>"
        for p in d.params { h += "<tr><td>\(escape(p.path))</td><td>\(escape(p.old))</td><td>\(escape(p.new))</td></tr>" }
        h += "</table><h2>Metrics</h2><table><tr><th>metric</th><th>old</th><th>new</th><th>change</th></tr>"
        for m in d.metrics {
            func f(_ x: Double?) -> String { x.map { String(format: "%.4f", $0) } ?? "–" }
            h += "<tr><td>\(escape(m.path))</td><td>\(f(m.old))</td><td>\(f(m.new))</td><td>\(m.change.map { String(format: "%+.4f", $0) } ?? "–")</td></tr>"
        }
        h += "</table><p>\(d.sharedStages.count) stages shared, \(d.differentStages.count) different.</p>"
        return h
    }
}
