import Foundation

/// A page of tables and figures, as plain values: the sweep report (`sweep.html`) and
/// `krill compare --html`.
public struct TablePageContent: Equatable, Sendable {
    /// A table whose marked cells are shown in bold (the best value of a column).
    public struct Table: Equatable, Sendable {
        public var caption: String
        public var header: [String]
        public var rows: [[String]]
        /// (row, column) of the cells to mark, column indices counting the row header.
        public var marked: Set<[Int]>

        public init(caption: String, header: [String], rows: [[String]], marked: Set<[Int]> = []) {
            self.caption = caption
            self.header = header
            self.rows = rows
            self.marked = marked
        }
    }

    /// A section: a heading, a paragraph, tables, then figures.
    public struct Section: Equatable, Sendable {
        public var title: String
        public var text: String
        public var tables: [Table]
        public var figures: [ReportFigure]

        public init(title: String, text: String = "", tables: [Table] = [], figures: [ReportFigure] = []) {
            self.title = title
            self.text = text
            self.tables = tables
            self.figures = figures
        }
    }

    public var title: String
    public var subtitle: String
    public var sections: [Section]

    public init(title: String, subtitle: String, sections: [Section]) {
        self.title = title
        self.subtitle = subtitle
        self.sections = sections
    }
}

/// Renders a `TablePageContent` as one self-contained HTML5 page (inline CSS, no script,
/// relative image paths, everything escaped).
public enum TablePage {
    public static func render(_ c: TablePageContent) -> String {
        var out = HTML.pageStart(title: c.title)
        if !c.subtitle.isEmpty { out += "<p class=\"subtitle\">\(HTML.escape(c.subtitle))</p>\n" }
        out += "</header>\n<nav>" + c.sections.map { "<a href=\"#\(HTML.slug($0.title))\">\(HTML.escape($0.title))</a>" }.joined(separator: " ")
            + "</nav>\n<main>\n"
        for section in c.sections {
            out += "<section id=\"\(HTML.slug(section.title))\">\n<h2>\(HTML.escape(section.title))</h2>\n"
            if !section.text.isEmpty { out += "<p>\(HTML.escape(section.text))</p>\n" }
            for table in section.tables { out += render(table) }
            if !section.figures.isEmpty {
                out += "<div class=\"figures\">\n" + section.figures.map { HTML.figure(caption: $0.caption, path: $0.path) }.joined() + "</div>\n"
            }
            out += "</section>\n"
        }
        return out + "</main>\n</body>\n</html>\n"
    }

    static func render(_ t: TablePageContent.Table) -> String {
        var out = "<div class=\"scroll\"><table>\n"
        if !t.caption.isEmpty { out += "<caption>\(HTML.escape(t.caption))</caption>\n" }
        out += "<thead><tr>" + t.header.map { "<th scope=\"col\">\(HTML.escape($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
        for (r, row) in t.rows.enumerated() {
            out += "<tr>"
            for (i, cell) in row.enumerated() {
                let text = t.marked.contains([r, i]) ? "<strong>\(HTML.escape(cell))</strong>" : HTML.escape(cell)
                if i == 0 {
                    out += "<th scope=\"row\">\(text)</th>"
                } else {
                    out += HTML.isNumeric(cell) || cell.contains("±") ? "<td class=\"num\">\(text)</td>" : "<td>\(text)</td>"
                }
            }
            out += "</tr>\n"
        }
        return out + "</tbody>\n</table></div>\n"
    }
}
