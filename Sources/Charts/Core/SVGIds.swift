import Foundation

/// Makes cairo's SVG output deterministic. cairo names embedded surfaces and patterns
/// after process-wide counters (`surface17`, `source9`), so the same drawing made later
/// in a process gets other ids. Every id (`id="..."`) and every reference to it
/// (`#name"` in hrefs, `#name)` in `url(...)`) is renamed to `<prefix>-<k>`, numbering
/// each prefix from 1 in order of first appearance.
enum SVGIds {
    private static let idPattern = try! NSRegularExpression(pattern: #"id="([A-Za-z_]+(?:-[A-Za-z_]+)*)([0-9][0-9-]*)""#)
    private static let refPattern = try! NSRegularExpression(pattern: #"(id="|#)([A-Za-z_]+(?:-[A-Za-z_]+)*[0-9][0-9-]*)(?=[")])"#)

    static func normalized(_ svg: String) -> String {
        let ns = svg as NSString
        let whole = NSRange(location: 0, length: ns.length)
        // Collect defined ids, then rename in order of first appearance anywhere.
        var defined = Set<String>()
        var prefixes: [String: String] = [:]
        for m in idPattern.matches(in: svg, range: whole) {
            let name = ns.substring(with: m.range(at: 1)) + ns.substring(with: m.range(at: 2))
            defined.insert(name)
            prefixes[name] = ns.substring(with: m.range(at: 1))
        }
        guard !defined.isEmpty else { return svg }
        var renamed: [String: String] = [:]
        var counters: [String: Int] = [:]
        let matches = refPattern.matches(in: svg, range: whole)
        for m in matches {
            let name = ns.substring(with: m.range(at: 2))
            guard defined.contains(name), renamed[name] == nil, let prefix = prefixes[name] else { continue }
            let k = (counters[prefix] ?? 0) + 1
            counters[prefix] = k
            renamed[name] = "\(prefix)-\(k)"
        }
        var out = ""
        out.reserveCapacity(svg.utf8.count)
        var last = 0
        for m in matches {
            let nameRange = m.range(at: 2)
            let name = ns.substring(with: nameRange)
            guard let new = renamed[name] else { continue }
            out += ns.substring(with: NSRange(location: last, length: nameRange.location - last))
            out += new
            last = nameRange.location + nameRange.length
        }
        out += ns.substring(from: last)
        return out
    }
}
