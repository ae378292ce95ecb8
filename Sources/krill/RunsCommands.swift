import ArgumentParser
import Charts
import Foundation
import Pipeline
import Stages
import Storage

/// `krill runs`: every run with its headline metrics; `krill runs rm` removes run folders.
struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs", abstract: "List runs with their headline metrics, or remove run folders.",
        subcommands: [RunsListCommand.self, RunsRemoveCommand.self], defaultSubcommand: RunsListCommand.self)
}

/// `krill runs rm RUN...`.
struct RunsRemoveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm", abstract: "Remove run folders (the cache entries stay until `krill gc`).",
        discussion: "A run is NAME (its latest), NAME@n, NAME~k (k before the latest) or a run folder path.")
    @Argument(help: "The runs to remove.") var runs: [String]
    @OptionGroup var artifactOptions: ArtifactOptions

    func validate() throws {
        if runs.isEmpty { throw ValidationError("name at least one run") }
    }

    func run() throws {
        let store = artifactOptions.store
        do {
            // Resolve every reference first, so that `demo demo~1` means what it says.
            let folders = try runs.map { try RunFolder.resolve($0, in: store) }
            var seen = Set<String>()
            for folder in folders where seen.insert(folder.url.path).inserted {
                try folder.remove(in: store)
                print("removed run folder \(folder.label)")
            }
        } catch {
            throw reportFailure(error)
        }
    }
}

struct RunsListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List runs: a column per parameter that differs among them, then the headline metrics.",
        discussion: """
        Metric columns name the split they are measured on: svm_accuracy(test). NAME matches a \
        run name or a glob (demo, 'losses*'); a sweep's name matches all its members.
        """)
    @Argument(help: "Only runs whose name is this, or matches this glob.") var pattern: String?
    @Option(name: .customLong("where"), help: ArgumentHelp("Only runs whose parameter has this value (repeatable).", valueName: "key=value"))
    var conditions: [String] = []
    @Option(help: ArgumentHelp("Sort by a headline metric (best first).", valueName: "metric")) var sort: String?
    @Option(help: "text, json, csv or md.") var format: OutputFormat = .text
    @OptionGroup var artifactOptions: ArtifactOptions

    func run() throws {
        var runs = RunFolder.all(in: artifactOptions.store)
        if let pattern { runs = runs.filter { matches(pattern, $0.name) } }
        do {
            let parsed = try conditions.map { c -> (String, String) in
                guard let eq = c.firstIndex(of: "="), eq != c.startIndex else { throw CommandFailure.usage("--where: expected key=value, got '\(c)'") }
                return (String(c[..<eq]), String(c[c.index(after: eq)...]))
            }
            var table = RunTable(runs: runs).filtered(parsed)
            if let sort { table = try table.sorted(by: sort) }
            if table.rows.isEmpty && format == .text { print("no runs" + (pattern.map { " matching '\($0)'" } ?? "") + " in \(artifactOptions.store.runsFolder.path)"); return }
            switch format {
            case .text: print(table.text, terminator: "")
            case .json: print(table.json.pretty)
            case .csv: print(table.csv, terminator: "")
            case .md: print(table.markdown, terminator: "")
            }
        } catch {
            throw reportFailure(error)
        }
    }
}

/// Whether a run name matches a name or glob; a sweep's name matches its members.
func matches(_ pattern: String, _ name: String) -> Bool {
    name == pattern || name.hasPrefix(pattern + "/") || fnmatch(pattern, name, 0) == 0
}

/// `krill compare RUN...`: N runs side by side.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare", abstract: "Compare runs: the parameters that differ, their metrics, their plots side by side.",
        discussion: "A run is NAME (its latest), NAME@n, NAME~k (k before the latest) or a run folder path.")
    @Argument(help: "The runs (two or more).") var runs: [String]
    @Option(help: "Also write an HTML page with the plots side by side.") var html: String?
    @Option(help: "text, json, csv or md.") var format: OutputFormat = .text
    @OptionGroup var artifactOptions: ArtifactOptions

    func validate() throws {
        if runs.count < 2 { throw ValidationError("name at least two runs") }
    }

    func run() throws {
        do {
            let folders = try runs.map { try RunFolder.resolve($0, in: artifactOptions.store) }
            let table = RunTable(runs: folders)
            switch format {
            case .text: print(table.text, terminator: "")
            case .json: print(table.json.pretty)
            case .csv: print(table.csv, terminator: "")
            case .md: print(table.markdown, terminator: "")
            }
            if let html {
                let page = URL(fileURLWithPath: html)
                try AtomicFile.write(ComparePage.render(table, page: page), to: page)
                if format == .text { print("html: \(html)") }
            }
        } catch {
            throw reportFailure(error)
        }
    }
}

/// `krill diff A B`: params that differ, metrics that changed, stages shared.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff", abstract: "Compare two runs: differing params, metrics that changed, shared stages.",
        discussion: "A run is NAME (its latest), NAME@n, NAME~k (k before the latest) or a run folder path.")

    @Argument(help: "The first run.") var a: String
    @Argument(help: "The second run.") var b: String
    @Flag(help: "Show every metric, also those that did not change.") var all = false
    @Option(help: "text, json, csv or md.") var format: OutputFormat = .text
    @Option(help: "Also write a side-by-side HTML page.") var html: String?
    @OptionGroup var artifactOptions: ArtifactOptions

    func run() throws {
        do {
            let store = artifactOptions.store
            let diff = try RunDiff(a: try RunFolder.resolve(a, in: store), b: try RunFolder.resolve(b, in: store),
                                   metricOrder: Evaluators.metrics.map(\.name))
            switch format {
            case .text: print(diff.text(all: all), terminator: "")
            case .json: print(diff.json(all: all).pretty)
            case .csv: print(diff.csv(all: all), terminator: "")
            case .md: print(diff.markdown(all: all), terminator: "")
            }
            if let html {
                let page = URL(fileURLWithPath: html)
                try AtomicFile.write(DiffHTML.render(diff, page: page), to: page)
                if format == .text { print("html: \(html)") }
            }
        } catch {
            throw reportFailure(error)
        }
    }
}

/// `krill gc`: removes cache entries that no run folder references.
struct GcCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc", abstract: "Remove cache entries that no run folder references.",
        discussion: """
        Never removes an entry a running `krill run` uses (each run holds a lock on every key \
        it uses until it ends). Also removes the work folders of interrupted stages that no \
        running krill holds, and half-made run folders of runs that died. With --keep-last N, \
        first removes all but the newest N run folders of each run name.
        """)
    @Flag(name: .customLong("dry-run"), help: "List what would be removed; remove nothing.") var dryRun = false
    @Option(name: .customLong("keep-last"), help: ArgumentHelp("Keep only the newest N run folders of each name.", valueName: "N"))
    var keepLast: Int?
    @OptionGroup var artifactOptions: ArtifactOptions

    func validate() throws {
        if let keepLast, keepLast < 1 { throw ValidationError("--keep-last must be at least 1") }
    }

    func run() throws {
        let store = artifactOptions.store
        let report: GCReport
        do { report = try GarbageCollector.collect(store, keepLast: keepLast, dryRun: dryRun) } catch { throw reportFailure(error) }
        let verb = dryRun ? "would remove" : "removed"
        for run in report.removedRuns { print("\(verb) run folder \(run)") }
        for e in report.removedEntries { print("\(verb) \(e.kind) \(e.key.prefix(12)) (\(mebibytes(e.bytes)))") }
        for e in report.inUse { print("kept \(e.kind) \(e.key.prefix(12)): in use by a running krill") }
        for w in report.removedWork { print("\(verb) work folder \(w.name.prefix(w.name.count - 52)) of an interrupted stage (\(mebibytes(w.bytes)))") }
        for w in report.busyWork { print("kept work folder \(w.prefix(w.count - 52)): a running krill holds it") }
        for d in report.removedDrafts { print("\(verb) unfinished run folder \(d)") }
        if !report.removedBlobs.isEmpty {
            print("\(verb) \(report.removedBlobs.count) optimiser states of epochs inside training chains "
                  + "(\(mebibytes(report.removedBlobs.reduce(0) { $0 + $1.bytes })); the chain ends keep theirs)")
        }
        var summary = "\(report.removedEntries.count) cache entries, \(report.removedWork.count) work folders"
        if keepLast != nil { summary = "\(report.removedRuns.count) run folders, " + summary }
        print("\(dryRun ? "would free" : "freed") \(mebibytes(report.freedBytes)): \(summary)\(dryRun ? " (dry run)" : "")"
              + (report.inUse.isEmpty ? "" : "; \(report.inUse.count) entries in use kept"))
    }
}

func mebibytes(_ bytes: Int) -> String { String(format: "%.1f MiB", Double(bytes) / 1_048_576) }

/// `krill verify`: re-hashes every committed cache entry and every run folder.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Re-hash the cache and the run folders; report corruption (exit 1).",
        discussion: """
        Cache entries are checked against their manifest.json, run folders against the file \
        list in their run.json. A corrupt cache entry is recomputed by the next run that \
        needs it; a run folder keeps the altered file (its files are hard links shared with \
        the cache and with other runs, which are named).
        """)
    @OptionGroup var artifactOptions: ArtifactOptions

    func run() throws {
        let report = CacheVerifier.verify(artifactOptions.store)
        for e in report.entryProblems {
            print("cache entry \(e.kind) \(e.key.prefix(12)) (\(e.folder.path)):")
            for p in e.problems { print("  \(p)") }
        }
        for p in report.runProblems {
            print("run \(p.run): \(p.path): \(p.problem)")
            if !p.sharedWith.isEmpty { print("  the same file is also " + p.sharedWith.joined(separator: ", ")) }
        }
        for sha in report.corruptBlobs { print("side blob \(sha.prefix(12)): content changed (it will be recomputed when needed)") }
        if !report.runsWithoutFileList.isEmpty {
            print("not checked (no file list in run.json): " + report.runsWithoutFileList.joined(separator: ", "))
        }
        print("\(report.entriesChecked) cache entries checked, \(report.entryProblems.count) corrupt; "
              + "\(report.runsChecked) run folders checked, \(report.damagedRuns.count) with altered files"
              + (report.damagedRuns.isEmpty ? "" : " (" + report.damagedRuns.joined(separator: ", ") + ")"))
        if !report.clean { throw ExitCode(1) }
    }
}

/// `krill compare --html`: the runs' table, then each plot of every run side by side.
enum ComparePage {
    static func render(_ table: RunTable, page: URL) -> String {
        let (header, rows) = table.cells()
        var sections = [TablePageContent.Section(title: "Runs", tables: [.init(caption: "", header: header, rows: rows)])]
        let fm = FileManager.default
        var plots = Set<String>()
        for row in table.rows {
            for p in fm.subpaths(atPath: row.run.url.path) ?? [] where p.hasSuffix(".png") || p.hasSuffix(".gif") { plots.insert(p) }
        }
        for path in plots.sorted(by: { ($0.hasPrefix("plots/") ? "0" : "1") + $0 < ($1.hasPrefix("plots/") ? "0" : "1") + $1 }) {
            let figures = table.rows.compactMap { row -> ReportFigure? in
                let url = row.run.url.appendingPathComponent(path)
                return fm.fileExists(atPath: url.path) ? ReportFigure(caption: row.run.label, path: relativePath(url, from: page)) : nil
            }
            sections.append(.init(title: path, figures: figures))
        }
        return TablePage.render(TablePageContent(title: "krill compare", subtitle: table.rows.map(\.run.label).joined(separator: ", "),
                                                 sections: sections))
    }
}

/// `url` relative to the folder of `page` (for links in an HTML page).
func relativePath(_ url: URL, from page: URL) -> String {
    let base = page.deletingLastPathComponent().standardizedFileURL.resolvingSymlinksInPath().pathComponents
    let parts = url.standardizedFileURL.resolvingSymlinksInPath().pathComponents
    var common = 0
    while common < min(base.count, parts.count) && base[common] == parts[common] { common += 1 }
    return (Array(repeating: "..", count: base.count - common) + parts[common...]).joined(separator: "/")
}

/// `krill diff --html`: the two runs side by side on one page (Charts' `DiffPage`), images
/// referenced relative to the page's folder.
enum DiffHTML {
    static func render(_ d: RunDiff, page: URL) -> String {
        func relative(_ url: URL) -> String { relativePath(url, from: page) }
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
