import Foundation

/// Small helpers for writing HTML by hand: escaping, attribute-safe paths, tables.
public enum HTML {
    /// The start of a page up to and including the `<h1>` title inside `<header>`: doctype,
    /// charset, viewport, escaped title, the shared inline CSS.
    static func pageStart(title: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>
        \(css)
        </style>
        </head>
        <body>
        <header>
        <h1>\(escape(title))</h1>

        """
    }

    /// `text` with `& < > " '` replaced by entities: safe in element content and in
    /// quoted attribute values.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for ch in text.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    /// True when `path` is a relative reference: no scheme (`http:`, `file:`, `data:`),
    /// not starting with `/`, `\` or `~`, not empty.
    public static func isRelative(_ path: String) -> Bool {
        guard !path.isEmpty, !path.hasPrefix("/"), !path.hasPrefix("\\"), !path.hasPrefix("~") else { return false }
        if let colon = path.firstIndex(of: ":") {
            let before = path[..<colon]
            if !before.contains("/") { return false }
        }
        return true
    }

    /// A file path as a URL reference for `src` / `href`: each segment percent-encoded
    /// (spaces, `#`, `?`, `%`, non-ASCII), `/` kept; then HTML-escaped.
    public static func pathReference(_ path: String) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
        allowed.insert(charactersIn: "-._~/!$&'()*+,;=@")
        let encoded = path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path
        return escape(encoded)
    }

    /// True when a table cell reads as a number (it is then right-aligned).
    static func isNumeric(_ cell: String) -> Bool {
        let t = cell.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "\u{2212}", with: "-")
        if t.hasSuffix("%") { return Double(t.dropLast()) != nil }
        return !t.isEmpty && Double(t) != nil
    }

    /// A `<table>` with a caption, a header row and body rows; numeric cells get class
    /// `num` (right-aligned, tabular figures).
    static func table(_ t: ReportTable, id: String? = nil) -> String {
        var out = "<table\(id.map { " id=\"\(escape($0))\"" } ?? "")>\n"
        if !t.caption.isEmpty { out += "<caption>\(escape(t.caption))</caption>\n" }
        if !t.header.isEmpty {
            out += "<thead><tr>" + t.header.map { "<th scope=\"col\">\(escape($0))</th>" }.joined() + "</tr></thead>\n"
        }
        out += "<tbody>\n"
        for row in t.rows {
            out += "<tr>"
            for (i, cell) in row.enumerated() {
                if i == 0 && !t.header.isEmpty {
                    out += "<th scope=\"row\">\(escape(cell))</th>"
                } else {
                    out += isNumeric(cell) ? "<td class=\"num\">\(escape(cell))</td>" : "<td>\(escape(cell))</td>"
                }
            }
            out += "</tr>\n"
        }
        return out + "</tbody>\n</table>\n"
    }

    /// A `<figure>` with the image (linked to itself, full size) and its caption.
    static func figure(caption: String, path: String) -> String {
        let ref = pathReference(path)
        return "<figure><a href=\"\(ref)\"><img src=\"\(ref)\" alt=\"\(escape(caption))\" loading=\"lazy\"></a>"
            + "<figcaption>\(escape(caption))</figcaption></figure>\n"
    }

    /// An id fragment made of `[a-z0-9-]` only.
    static func slug(_ text: String) -> String {
        var out = ""
        for ch in text.lowercased().unicodeScalars {
            if CharacterSet.alphanumerics.contains(ch) && ch.isASCII { out.unicodeScalars.append(ch) } else if !out.hasSuffix("-") { out += "-" }
        }
        while out.hasSuffix("-") { out.removeLast() }
        return out.isEmpty ? "section" : out
    }

    /// The page's inline style sheet: no fonts or anything else from the network.
    static let css = """
    :root { color-scheme: light; }
    body { font: 15px/1.45 "DejaVu Sans", system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1f24;
           margin: 0 auto; padding: 1.5rem 2rem 4rem; max-width: 1400px; background: #fff; }
    h1 { font-size: 1.7rem; margin: 0 0 .2rem; }
    h2 { font-size: 1.3rem; margin: 2.2rem 0 .8rem; padding-bottom: .25rem; border-bottom: 1px solid #d8dde3; }
    h3 { font-size: 1.05rem; margin: 1.4rem 0 .6rem; }
    p.subtitle { color: #57606a; margin: 0 0 1rem; }
    nav { background: #f6f8fa; border: 1px solid #d8dde3; border-radius: 6px; padding: .5rem .9rem; margin: 1rem 0; }
    nav a { margin-right: 1.1rem; white-space: nowrap; }
    a { color: #0b5cad; text-decoration: none; }
    a:hover { text-decoration: underline; }
    table { border-collapse: collapse; margin: .4rem 0 1.4rem; font-size: .9rem; }
    caption { caption-side: top; text-align: left; font-weight: bold; padding: 0 0 .35rem; }
    th, td { border: 1px solid #d8dde3; padding: .25rem .6rem; text-align: left; vertical-align: top; }
    thead th { background: #eef1f4; }
    tbody tr:nth-child(even) { background: #f8f9fb; }
    tbody th { font-weight: normal; }
    td.num { text-align: right; font-variant-numeric: tabular-nums; }
    .scroll { overflow-x: auto; }
    td.state-computed { color: #0b5cad; } td.state-cached { color: #57606a; } td.state-resumed { color: #8a4b00; }
    .figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(460px, 1fr)); gap: 1.2rem; align-items: start; }
    figure { margin: 0; }
    figure img { max-width: 100%; height: auto; border: 1px solid #e3e6ea; display: block; }
    figcaption { font-size: .88rem; color: #57606a; margin-top: .3rem; }
    .tables { display: flex; flex-wrap: wrap; gap: 0 2rem; align-items: flex-start; }
    .pair { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; margin-bottom: 1.6rem; }
    .pair .missing { border: 1px dashed #c4c9cf; color: #8c959f; padding: 2rem; text-align: center; }
    pre { background: #f6f8fa; border: 1px solid #d8dde3; border-radius: 6px; padding: .8rem 1rem; overflow: auto;
          font: 13px/1.4 "DejaVu Sans Mono", ui-monospace, Menlo, Consolas, monospace; }
    details summary { cursor: pointer; font-weight: bold; margin: .4rem 0; }
    footer { margin-top: 3rem; color: #8c959f; font-size: .85rem; }
    """
}
