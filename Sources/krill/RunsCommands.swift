import ArgumentParser
import Charts
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
                let page = URL(fileURLWithPath: html)
                try AtomicFile.write(DiffHTML.render(diff, page: page), to: page)
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

/// `krill diff --html`: the two runs side by side on one page (Charts' `DiffPage`), images
/// referenced relative to the page's folder.
enum DiffHTML {
    static func render(_ d: RunDiff, page: URL) -> String {
        let base = page.deletingLastPathComponent().standardizedFileURL.resolvingSymlinksInPath().pathComponents
        func relative(_ url: URL) -> String {
            let parts = url.standardizedFileURL.resolvingSymlinksInPath().pathComponents
            var common = 0
            while common < min(base.count, parts.count) && base[common] == parts[common] { common += 1 }
            return (Array(repeating: "..", count: base.count - common) + parts[common...]).joined(separator: "/")
        }
        var plots: [DiffContent.Plot] = []
        let fm = FileManager.default
        func files(_ run: RunFolder) -> Set<String> {
            Set((fm.subpaths(atPath: run.url.path) ?? []).filter { $0.hasSuffix(".png") || $0.hasSuffix(".gif") })
        }
        let a = files(d.a), b = files(d.b)
        for path in a.union(b).sorted(by: { ($0.hasPrefix("plots/") ? "0" : "1") + $0 < ($1.hasPrefix("plots/") ? "0" : "1") + $1 }) {
            plots.append(DiffContent.Plot(caption: path, a: a.contains(path) ? relative(d.a.url.appendingPathComponent(path)) : nil,
                                          b: b.contains(path) ? relative(d.b.url.appendingPathComponent(path)) : nil))
        }
        let content = DiffContent(
            title: "krill diff \(d.a.label) → \(d.b.label)", runA: d.a.label, runB: d.b.label,
            params: d.params.map { DiffContent.Param(key: $0.path, a: $0.old, b: $0.new) },
            metrics: d.metrics.map { DiffContent.Metric(name: $0.path, a: $0.old, b: $0.new) },
            plots: plots,
            stages: (d.sharedStages.map { DiffContent.Stage(node: $0, shared: true) }
                     + d.differentStages.map { DiffContent.Stage(node: $0, shared: false) }).sorted { $0.node < $1.node })
        return DiffPage.render(content)
    }
}
