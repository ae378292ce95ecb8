import Foundation

/// RFC 4180 CSV: comma-separated, `\n` line ends, fields quoted only when they contain a
/// comma, a quote, a carriage return or a line feed (quotes doubled). pandas reads it as is.
public enum CSV {
    /// One field, quoted when needed.
    public static func escape(_ field: String) -> String {
        // Bytes, not Characters: "\r\n" is one Character, equal to neither "\r" nor "\n".
        if field.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 }) {
            return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return field
    }

    /// A whole table: the header row, then the rows, each line ending in `\n`.
    public static func render(header: [String], rows: [[String]]) -> String {
        var out = header.map(escape).joined(separator: ",") + "\n"
        for row in rows {
            precondition(row.count == header.count, "CSV row has \(row.count) fields, header has \(header.count)")
            out += row.map(escape).joined(separator: ",")
            out += "\n"
        }
        return out
    }

    /// Parses CSV text into rows of fields (the header is the first row).
    /// - Throws: `StorageError.format` on an unterminated quote, naming `source`.
    public static func parse(_ text: String, source: String = "<csv>") throws -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var inQuotes = false
        var fieldWasQuoted = false
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func nextScalar() -> Unicode.Scalar? {
            if let p = pending { pending = nil; return p }
            return iterator.next()
        }
        while let c = nextScalar() {
            if inQuotes {
                if c == "\"" {
                    if let n = nextScalar() {
                        if n == "\"" { field.unicodeScalars.append("\"") } else { inQuotes = false; pending = n }
                    } else {
                        inQuotes = false
                    }
                } else {
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"" where field.isEmpty && !fieldWasQuoted:
                inQuotes = true
                fieldWasQuoted = true
            case ",":
                row.append(field); field = ""; fieldWasQuoted = false
            case "\n":
                row.append(field); rows.append(row); row = []; field = ""; fieldWasQuoted = false
            case "\r":
                continue
            default:
                field.unicodeScalars.append(c)
            }
        }
        if inQuotes { throw StorageError.format(path: source, reason: "unterminated quoted field") }
        if !field.isEmpty || !row.isEmpty || fieldWasQuoted {
            row.append(field)
            rows.append(row)
        }
        return rows
    }
}
