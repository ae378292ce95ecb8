import Foundation
import Storage

/// The differences between two runs: parameters (from `run.json`'s flat `params`), metrics
/// (numeric leaves of `summary.json`), and which stages they share (same kind and key).
public struct RunDiff: Sendable {
    public struct ParamChange: Sendable, Equatable {
        public let path: String
        public let old: String
        public let new: String
    }

    public struct MetricChange: Sendable, Equatable {
        public let path: String
        public let old: Double?
        public let new: Double?
        public var change: Double? {
            guard let old, let new else { return nil }
            return new - old
        }
    }

    public let a: RunFolder
    public let b: RunFolder
    public let params: [ParamChange]
    public let metrics: [MetricChange]
    /// Node names whose key is the same in both runs.
    public let sharedStages: [String]
    /// Node names present in either run with different (or missing) keys.
    public let differentStages: [String]

    /// - Parameter metricOrder: metric names in display order (the evaluators' declared
    ///   order); metrics are listed by section (`headline`, `epochs.<e>`, `baseline`), then
    ///   in this order, then by name.
    public init(a: RunFolder, b: RunFolder, metricOrder: [String] = []) throws {
        guard let ra = a.record else { throw PipelineError.notFound("\(a.url.path): no run.json (the run did not finish)") }
        guard let rb = b.record else { throw PipelineError.notFound("\(b.url.path): no run.json (the run did not finish)") }
        self.a = a
        self.b = b
        let pa = ra["params"]?.objectValue ?? [:], pb = rb["params"]?.objectValue ?? [:]
        params = Set(pa.keys).union(pb.keys).sorted().compactMap { path in
            let x = pa[path]?.canonical ?? "(unset)", y = pb[path]?.canonical ?? "(unset)"
            return x == y ? nil : ParamChange(path: path, old: x, new: y)
        }
        let ma = RunDiff.flattenNumbers(a.summary), mb = RunDiff.flattenNumbers(b.summary)
        let rank = Dictionary(metricOrder.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        func sortKey(_ path: String) -> (String, Int, String) {
            let name = String(path.split(separator: ".").last ?? "")
            let section = String(path.dropLast(name.count))
            return (section, rank[name] ?? Int.max, name)
        }
        metrics = Set(ma.keys).union(mb.keys).sorted { sortKey($0) < sortKey($1) }.map { MetricChange(path: $0, old: ma[$0], new: mb[$0]) }
        func stageKeys(_ r: JSONValue) -> [String: String] {
            var out: [String: String] = [:]
            for s in r["stages"]?.arrayValue ?? [] {
                if let n = s["node"]?.stringValue, let k = s["key"]?.stringValue { out[n] = k }
            }
            return out
        }
        let sa = stageKeys(ra), sb = stageKeys(rb)
        let nodes = Set(sa.keys).union(sb.keys).sorted()
        sharedStages = nodes.filter { sa[$0] != nil && sa[$0] == sb[$0] }
        differentStages = nodes.filter { sa[$0] == nil || sa[$0] != sb[$0] }
    }

    /// Numeric leaves of a JSON tree by dotted path.
    static func flattenNumbers(_ value: JSONValue?, prefix: String = "") -> [String: Double] {
        guard let value else { return [:] }
        switch value {
        case .int, .double: return [prefix: value.doubleValue!]
        case .object(let o):
            var out: [String: Double] = [:]
            for (k, v) in o { out.merge(flattenNumbers(v, prefix: prefix.isEmpty ? k : prefix + "." + k)) { x, _ in x } }
            return out
        case .array(let items):
            var out: [String: Double] = [:]
            for (i, v) in items.enumerated() { out.merge(flattenNumbers(v, prefix: prefix + "[\(i)]")) { x, _ in x } }
            return out
        default: return [:]
        }
    }

    /// The metrics shown: by default those that changed (or exist in one run only), never
    /// the `headline` copy of the last epoch; with `all`, every one.
    public func shownMetrics(all: Bool) -> [MetricChange] {
        metrics.filter { m in
            all || (!m.path.hasPrefix("headline.") && m.path != "final_epoch" && m.old != m.new)
        }
    }

    /// Old and new values with the digits that show their difference: six significant
    /// digits, more when those agree although the values do not.
    public static func formatted(_ old: Double?, _ new: Double?) -> (String, String, String) {
        func f(_ x: Double?, _ digits: Int) -> String { x.map { String(format: "%.\(digits)g", $0) } ?? "-" }
        var digits = 6
        while digits < 17, let old, let new, old != new, f(old, digits) == f(new, digits) { digits += 2 }
        let change = (old != nil && new != nil) ? String(format: "%+.\(max(4, digits))g", new! - old!) : "-"
        return (f(old, digits), f(new, digits), change)
    }

    /// The diff as text for a terminal.
    public var text: String { text(all: false) }

    public func text(all: Bool) -> String {
        var out = "diff \(a.label) -> \(b.label)\n\nparams:\n"
        if params.isEmpty { out += "  (identical)\n" }
        for p in params { out += "  \(p.path): \(p.old) -> \(p.new)\n" }
        let shown = shownMetrics(all: all)
        out += "\nmetrics\(all ? "" : " that changed") (old / new / change):\n"
        if shown.isEmpty { out += "  (none\(all ? "" : ": every metric is the same; --all lists them"))\n" }
        let width = shown.map(\.path.count).max() ?? 0
        for m in shown {
            let (x, y, change) = RunDiff.formatted(m.old, m.new)
            out += "  " + m.path.padding(toLength: width, withPad: " ", startingAt: 0) + "  \(x)  \(y)  \(change)\n"
        }
        out += "\nstages: \(sharedStages.count) shared, \(differentStages.count) different\n"
        if !differentStages.isEmpty { out += "  different: \(differentStages.joined(separator: ", "))\n" }
        return out
    }

    /// The diff as data: the same figures as the text, values at full precision.
    public func json(all: Bool) -> JSONValue {
        func num(_ x: Double?) -> JSONValue { x.map { .double($0) } ?? .null }
        return .object([
            "a": .string(a.label), "b": .string(b.label),
            "params": .array(params.map { .object(["key": .string($0.path), "a": .string($0.old), "b": .string($0.new)]) }),
            "metrics": .array(shownMetrics(all: all).map {
                .object(["metric": .string($0.path), "a": num($0.old), "b": num($0.new), "change": num($0.change)])
            }),
            "stages": .object(["shared": .array(sharedStages.map { .string($0) }), "different": .array(differentStages.map { .string($0) })]),
        ])
    }

    /// One CSV table: `section,name,a,b,change` (sections `param`, `metric`, `stage`).
    public func csv(all: Bool) -> String {
        var rows = params.map { ["param", $0.path, $0.old, $0.new, ""] }
        rows += shownMetrics(all: all).map { ["metric", $0.path, $0.old.map { "\($0)" } ?? "", $0.new.map { "\($0)" } ?? "", $0.change.map { "\($0)" } ?? ""] }
        rows += sharedStages.map { ["stage", $0, "shared", "shared", ""] } + differentStages.map { ["stage", $0, "different", "different", ""] }
        return CSV.render(header: ["section", "name", a.label, b.label, "change"], rows: rows)
    }

    /// Markdown tables of the params and metrics.
    public func markdown(all: Bool) -> String {
        var out = "## diff \(a.label) -> \(b.label)\n\n| parameter | \(a.label) | \(b.label) |\n| --- | --- | --- |\n"
        for p in params { out += "| `\(p.path)` | \(p.old) | \(p.new) |\n" }
        out += "\n| metric | \(a.label) | \(b.label) | change |\n| --- | ---: | ---: | ---: |\n"
        for m in shownMetrics(all: all) {
            let (x, y, change) = RunDiff.formatted(m.old, m.new)
            out += "| `\(m.path)` | \(x) | \(y) | \(change) |\n"
        }
        return out + "\nstages: \(sharedStages.count) shared, \(differentStages.count) different\n"
    }
}
