import Foundation

/// An EcoTaxa export (ecotaxa.obs-vlfr.fr): a tab-separated table with one row per object
/// and the images beside it, as `data.source: ecotaxa` reads it.
///
/// Columns used (by name; any others are ignored): `img_file_name` (the image, relative to
/// the TSV's folder or to `images`), `object_annotation_category` (the class name EcoTaxa
/// shows), `object_annotation_status` (`validated`, `predicted`, `dubious`),
/// `object_annotation_hierarchy` (the lineage, `living>Eukaryota>...>Calanoida`, only with
/// `label: lineage`), `img_rank` (when present, only rank 0, the object's first image, is
/// kept) and an optional column holding each object's split. A second row whose cells are
/// all type markers (`[t]`, `[f]`, as in EcoTaxa's import format) is skipped.
///
/// `tsv` may be one file, or a folder: then every `*.tsv` file under it (recursively,
/// byte order) is read, each with its images relative to its own folder, as EcoTaxa's
/// exports split by sample are laid out.
public enum EcoTaxaExport {
    /// Where a row's class comes from (`data.ecotaxa.label`, `lineage_level`).
    public enum Label: Equatable, Sendable {
        /// `object_annotation_category`.
        case category
        /// `object_annotation_hierarchy`: the whole lineage (nil), or its name at this depth
        /// (1 = the root); a shorter lineage keeps its deepest name.
        case lineage(level: Int?)
    }

    public struct Options: Equatable, Sendable {
        /// `object_annotation_status` values kept (`validated` by default); case ignored.
        public var statuses: [String]
        public var label: Label
        /// A column naming each object's split (`train`, `validation`, `test`), if any.
        public var setColumn: String?

        public init(statuses: [String] = ["validated"], label: Label = .category, setColumn: String? = nil) {
            self.statuses = statuses
            self.label = label
            self.setColumn = setColumn
        }
    }

    public static let imageColumn = "img_file_name"
    public static let categoryColumn = "object_annotation_category"
    public static let statusColumn = "object_annotation_status"
    public static let lineageColumn = "object_annotation_hierarchy"
    public static let rankColumn = "img_rank"

    /// The kept rows as (image path relative to the root, class, set), and what was skipped.
    public struct Rows: Sendable {
        public let root: URL
        public let entries: [(path: String, label: String, set: String?)]
        /// One line per reason: `<count> rows with status predicted`, ...
        public let skipped: [String]
    }

    /// Reads the table(s).
    /// - Parameters:
    ///   - tsv: a `.tsv` file, or a folder of them.
    ///   - images: the folder `img_file_name` is relative to; nil: each table's own folder.
    /// - Throws: `DatasetError.badTable` naming the file and line of a problem (a missing
    ///   column, a short row, an image listed twice), `DatasetError.missingFolder`.
    public static func rows(tsv: URL, images: URL?, options: Options) throws -> Rows {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: tsv.path, isDirectory: &isDir) else {
            throw DatasetError.unreadable(path: tsv.path, reason: "no such file or folder (data.ecotaxa.tsv)")
        }
        var tables: [(url: URL, prefix: String)] = []
        let root: URL
        if isDir.boolValue {
            root = images ?? tsv
            for relative in try tableFiles(under: tsv) {
                let folder = (relative as NSString).deletingLastPathComponent
                tables.append((tsv.appendingPathComponent(relative), images == nil && !folder.isEmpty ? folder + "/" : ""))
            }
            guard !tables.isEmpty else { throw DatasetError.unreadable(path: tsv.path, reason: "no .tsv file in this folder") }
        } else {
            root = images ?? tsv.deletingLastPathComponent()
            tables = [(tsv, "")]
        }
        let wanted = Set(options.statuses.map { $0.lowercased() })
        var entries: [(path: String, label: String, set: String?)] = []
        var skippedByStatus: [String: Int] = [:]
        var unlabelled = 0, laterRanks = 0
        var seen: [String: String] = [:]   // path -> "file:line" of its first row
        for (url, prefix) in tables {
            try forEachRow(of: url, options: options) { line, row in
                if let rank = row[rankColumn], !rank.isEmpty, rank != "0" { laterRanks += 1; return }
                let status = (row[statusColumn] ?? "").lowercased()
                guard wanted.contains(status) else { skippedByStatus[status.isEmpty ? "(none)" : status, default: 0] += 1; return }
                guard let label = try classOf(row, options.label), !label.isEmpty else { unlabelled += 1; return }
                guard let image = row[imageColumn], !image.isEmpty else {
                    throw DatasetError.badTable(path: url.path, line: line, reason: "empty \(imageColumn)")
                }
                let path = prefix + image
                if let first = seen[path] {
                    throw DatasetError.badTable(path: url.path, line: line, reason: "image '\(path)' is already listed at \(first)")
                }
                seen[path] = "\(url.lastPathComponent):\(line)"
                var set: String? = nil
                if let column = options.setColumn { set = row[column] ?? "" }
                entries.append((path, label, set))
            }
        }
        var skipped = skippedByStatus.sorted { $0.key < $1.key }.map { "\($0.value) rows with status \($0.key)" }
        if unlabelled > 0 { skipped.append("\(unlabelled) rows without a class") }
        if laterRanks > 0 { skipped.append("\(laterRanks) rows of an object's later images (img_rank > 0)") }
        return Rows(root: root, entries: entries, skipped: skipped)
    }

    /// The listing of the kept rows (see `ImageListing.fromTable`).
    public static func listing(tsv: URL, images: URL?, options: Options, classes wanted: [String]?) throws -> ImageListing {
        let r = try rows(tsv: tsv, images: images, options: options)
        guard !r.entries.isEmpty else {
            throw DatasetError.unreadable(path: tsv.path, reason: "no rows kept (statuses \(options.statuses.joined(separator: ", ")); skipped: \(r.skipped.joined(separator: "; ")))")
        }
        return try ImageListing.fromTable(root: r.root, entries: r.entries, wanted: wanted, skipped: r.skipped)
    }

    /// The class of a row, or nil when it has none.
    static func classOf(_ row: [String: String], _ label: Label) throws -> String? {
        switch label {
        case .category:
            return row[categoryColumn]
        case .lineage(let level):
            guard let lineage = row[lineageColumn], !lineage.isEmpty else { return nil }
            guard let level else { return lineage }
            let names = lineage.split(separator: ">", omittingEmptySubsequences: true)
            return names.isEmpty ? nil : String(names[min(level, names.count) - 1])
        }
    }

    /// The `.tsv` files under `folder`, relative to it, in byte order (hidden entries skipped).
    static func tableFiles(under folder: URL) throws -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: folder.path) else {
            throw DatasetError.unreadable(path: folder.path, reason: "cannot list this folder")
        }
        var out: [String] = []
        while let relative = walker.nextObject() as? String {
            if (relative as NSString).lastPathComponent.hasPrefix(".") { walker.skipDescendants(); continue }
            if relative.lowercased().hasSuffix(".tsv") { out.append(relative) }
        }
        return out.sorted(by: byteOrderPrecedes)
    }

    /// Calls `body` with each data row of a TSV as a column -> value map (1-based line).
    static func forEachRow(of url: URL, options: Options, _ body: (Int, [String: String]) throws -> Void) throws {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw DatasetError.unreadable(path: url.path, reason: "cannot read this file")
        }
        let text = String(decoding: data, as: UTF8.self)
        // Character.isNewline covers "\n", "\r" and "\r\n" (one Character in Swift).
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        while let last = lines.last, last.isEmpty { lines.removeLast() }
        guard let headerLine = lines.first else { throw DatasetError.badTable(path: url.path, line: 1, reason: "empty file") }
        let header = headerLine.split(separator: "\t", omittingEmptySubsequences: false).map { unquote($0) }
        var required = [imageColumn, statusColumn]
        switch options.label {
        case .category: required.append(categoryColumn)
        case .lineage: required.append(lineageColumn)
        }
        if let column = options.setColumn { required.append(column) }
        for column in required where !header.contains(column) {
            throw DatasetError.badTable(path: url.path, line: 1, reason: "no column '\(column)' (an EcoTaxa export has \(imageColumn), \(categoryColumn), \(statusColumn), \(lineageColumn))")
        }
        var first = 1
        if lines.count > 1 {
            let cells = lines[1].split(separator: "\t", omittingEmptySubsequences: false)
            if cells.allSatisfy({ $0.count == 3 && $0.hasPrefix("[") && $0.hasSuffix("]") }) { first = 2 }
        }
        for i in first..<lines.count where !lines[i].isEmpty {
            let cells = lines[i].split(separator: "\t", omittingEmptySubsequences: false)
            guard cells.count == header.count else {
                throw DatasetError.badTable(path: url.path, line: i + 1, reason: "\(cells.count) cells, the header has \(header.count)")
            }
            var row: [String: String] = [:]
            for (name, cell) in zip(header, cells) { row[name] = unquote(cell) }
            try body(i + 1, row)
        }
    }

    /// A cell without surrounding spaces and, when quoted, without its quotes.
    static func unquote(_ cell: Substring) -> String {
        let t = cell.trimmingCharacters(in: .whitespaces)
        if t.count >= 2, t.hasPrefix("\""), t.hasSuffix("\"") {
            return String(t.dropFirst().dropLast()).replacingOccurrences(of: "\"\"", with: "\"")
        }
        return t
    }
}
