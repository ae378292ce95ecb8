import Foundation

/// The content of `krill diff A B --html FILE`, as plain values.
public struct DiffContent: Equatable, Sendable {
    /// A parameter whose value differs (nil = absent in that run).
    public struct Param: Equatable, Sendable {
        public var key: String
        public var a: String?
        public var b: String?
        public init(key: String, a: String?, b: String?) { self.key = key; self.a = a; self.b = b }
    }

    /// A metric in both runs (nil = absent in that run).
    public struct Metric: Equatable, Sendable {
        public var name: String
        public var a: Double?
        public var b: Double?
        public init(name: String, a: Double?, b: Double?) { self.name = name; self.a = a; self.b = b }
    }

    /// The same plot of both runs; paths relative to the page or absolute, nil = missing.
    public struct Plot: Equatable, Sendable {
        public var caption: String
        public var a: String?
        public var b: String?
        public init(caption: String, a: String?, b: String?) { self.caption = caption; self.a = a; self.b = b }
    }

    /// A stage node and whether both runs used the same cache entry.
    public struct Stage: Equatable, Sendable {
        public var node: String
        public var shared: Bool
        public init(node: String, shared: Bool) { self.node = node; self.shared = shared }
    }

    public var title: String
    /// How the two runs are named on the page (e.g. "demo@1", "demo@2").
    public var runA: String
    public var runB: String
    public var params: [Param]
    public var metrics: [Metric]
    public var plots: [Plot]
    public var stages: [Stage]

    public init(title: String, runA: String, runB: String, params: [Param], metrics: [Metric], plots: [Plot],
                stages: [Stage] = []) {
        self.title = title
        self.runA = runA
        self.runB = runB
        self.params = params
        self.metrics = metrics
        self.plots = plots
        self.stages = stages
    }
}

/// Renders the diff of two runs as one self-contained HTML5 page: the parameters that
/// differ, metrics old / new / change, each plot of A beside the same plot of B, and
/// which stages the runs share. Paths are used as given (relative or absolute),
/// percent-encoded; every text is escaped.
public enum DiffPage {
    public static func render(_ c: DiffContent) -> String {
        let a = HTML.escape(c.runA), b = HTML.escape(c.runB)
        var out = HTML.pageStart(title: c.title) + """
        <p class="subtitle">A: \(a) &nbsp;·&nbsp; B: \(b)</p>
        </header>
        <nav><a href="#params">Parameters</a> <a href="#metrics">Metrics</a> <a href="#plots">Plots</a> <a href="#stages">Stages</a></nav>
        <main>
        <section id="params">
        <h2>Parameters that differ</h2>

        """
        if c.params.isEmpty {
            out += "<p>None: both runs used the same experiment.</p>\n"
        } else {
            out += "<table>\n<thead><tr><th scope=\"col\">parameter</th><th scope=\"col\">\(a)</th><th scope=\"col\">\(b)</th></tr></thead>\n<tbody>\n"
            for p in c.params {
                out += "<tr><th scope=\"row\"><code>\(HTML.escape(p.key))</code></th><td>\(cell(p.a))</td><td>\(cell(p.b))</td></tr>\n"
            }
            out += "</tbody>\n</table>\n"
        }
        out += "</section>\n<section id=\"metrics\">\n<h2>Metrics</h2>\n"
        out += "<table>\n<thead><tr><th scope=\"col\">metric</th><th scope=\"col\">\(a)</th><th scope=\"col\">\(b)</th>"
            + "<th scope=\"col\">change</th></tr></thead>\n<tbody>\n"
        for m in c.metrics {
            out += "<tr><th scope=\"row\">\(HTML.escape(m.name))</th><td class=\"num\">\(number(m.a))</td>"
                + "<td class=\"num\">\(number(m.b))</td>\(change(m.a, m.b))</tr>\n"
        }
        out += "</tbody>\n</table>\n</section>\n<section id=\"plots\">\n<h2>Plots</h2>\n"
        for p in c.plots {
            out += "<h3>\(HTML.escape(p.caption))</h3>\n<div class=\"pair\">\n"
            for (run, path) in [(a, p.a), (b, p.b)] {
                if let path {
                    let ref = HTML.pathReference(path)
                    out += "<figure><a href=\"\(ref)\"><img src=\"\(ref)\" alt=\"\(HTML.escape(p.caption)) (\(run))\" loading=\"lazy\"></a>"
                        + "<figcaption>\(run)</figcaption></figure>\n"
                } else {
                    out += "<figure><div class=\"missing\">no such plot in \(run)</div><figcaption>\(run)</figcaption></figure>\n"
                }
            }
            out += "</div>\n"
        }
        out += "</section>\n<section id=\"stages\">\n<h2>Stages</h2>\n"
        let shared = c.stages.filter(\.shared).count
        out += "<p>\(shared) of \(c.stages.count) stages shared (same cache entry).</p>\n"
        if !c.stages.isEmpty {
            out += "<table>\n<thead><tr><th scope=\"col\">stage</th><th scope=\"col\">shared</th></tr></thead>\n<tbody>\n"
            for s in c.stages {
                out += "<tr><th scope=\"row\">\(HTML.escape(s.node))</th><td>\(s.shared ? "yes" : "no")</td></tr>\n"
            }
            out += "</tbody>\n</table>\n"
        }
        out += "</section>\n</main>\n</body>\n</html>\n"
        return out
    }

    static func cell(_ v: String?) -> String { v.map { "<code>\(HTML.escape($0))</code>" } ?? "<em>absent</em>" }

    static func number(_ v: Double?) -> String {
        guard let v else { return "—" }
        return HTML.escape(Ticks.plain(v, decimals: 4))
    }

    static func change(_ a: Double?, _ b: Double?) -> String {
        guard let a, let b, a.isFinite, b.isFinite else { return "<td class=\"num\">—</td>" }
        let d = b - a
        var text = (d > 0 ? "+" : "") + Ticks.plain(d, decimals: 4)
        if a != 0 { text += " (" + (d > 0 ? "+" : "") + Ticks.plain(100 * d / abs(a), decimals: 1) + "%)" }
        // No colour: whether up is better depends on the metric (accuracy vs loss).
        return "<td class=\"num\">\(HTML.escape(text))</td>"
    }
}
