import Foundation
import Storage

/// ZooScanNet (SEANOE, doi:10.17882/55741) as published: a folder (`ZooScanSet/`) with
/// `taxa.csv` and `imgs/<taxon>/<objid>.jpg`, as `data.source: zooscannet` reads it.
///
/// `taxa.csv` comes in two layouts, told apart by its header:
/// - the first release: `objid,taxon,lineage`; the image of a row is `imgs/<taxon>/<objid>.jpg`;
/// - later releases: `objid,taxon_level1,lineage_level1,taxon_level2,plankton,set,img_path`,
///   `set` being the data set's own split (`train`, `val`, `test`) and `img_path` the image,
///   relative to the folder; the class is `taxon_level1`, or `taxon_level2` at level 2.
/// Every row's image must exist. Paths in the store are relative to `imgs/` when every image
/// is under it (`<taxon>/<objid>.jpg`, as with `data.source: folders` on `imgs/`, so the
/// two sources' outputs compare row by row), else relative to the folder.
public enum ZooScanNetTable {
    public static let tableName = "taxa.csv"
    public static let imagesFolder = "imgs"

    /// The rows of `root/taxa.csv` as (image path relative to `root`, class, set).
    /// - Parameter level: 1 (`taxon` or `taxon_level1`) or 2 (`taxon_level2`).
    /// - Throws: `DatasetError.badTable` naming the line of a short row or a missing column.
    public static func rows(root: URL, level: Int = 1) throws -> [(path: String, label: String, set: String?)] {
        let url = root.appendingPathComponent(tableName)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            var isDir: ObjCBool = false
            if !FileManager.default.fileExists(atPath: root.path, isDirectory: &isDir) || !isDir.boolValue {
                throw DatasetError.missingFolder(root.path)
            }
            if FileManager.default.fileExists(atPath: url.path + ".gz") {
                throw DatasetError.unreadable(path: url.path, reason: "the table is compressed: run `gunzip -k \(url.path).gz` first")
            }
            throw DatasetError.unreadable(path: url.path, reason: "no \(tableName) here (data.zooscannet.root is the folder holding \(tableName) and \(imagesFolder)/)")
        }
        let table: [[String]]
        do {
            table = try CSV.parse(String(decoding: data, as: UTF8.self), source: url.path)
        } catch {
            throw DatasetError.badTable(path: url.path, line: nil, reason: "\(error)")
        }
        guard let header = table.first?.map({ $0.trimmingCharacters(in: .whitespaces) }) else {
            throw DatasetError.badTable(path: url.path, line: 1, reason: "empty file")
        }
        let taxonColumn = level == 2 ? "taxon_level2" : (header.contains("taxon_level1") ? "taxon_level1" : "taxon")
        guard let id = header.firstIndex(of: "objid"), let taxon = header.firstIndex(of: taxonColumn) else {
            throw DatasetError.badTable(path: url.path, line: 1, reason: "expected the columns objid and \(taxonColumn) (ZooScanNet's objid,taxon,lineage or objid,taxon_level1,lineage_level1,taxon_level2,plankton,set,img_path), got \(header.joined(separator: ","))")
        }
        let set = header.firstIndex(of: "set"), image = header.firstIndex(of: "img_path")
        let folderTaxon = header.firstIndex(of: "taxon_level1") ?? taxon
        var out: [(path: String, label: String, set: String?)] = []
        out.reserveCapacity(table.count - 1)
        for (i, row) in table.enumerated().dropFirst() {
            if row.count == 1 && row[0].isEmpty { continue }
            guard row.count == header.count else {
                throw DatasetError.badTable(path: url.path, line: i + 1, reason: "\(row.count) cells, the header has \(header.count)")
            }
            let name = row[taxon], object = row[id]
            guard !name.isEmpty, !object.isEmpty else {
                throw DatasetError.badTable(path: url.path, line: i + 1, reason: "empty objid or \(taxonColumn)")
            }
            let path = image.map { row[$0] }.flatMap { $0.isEmpty ? nil : $0 } ?? "\(imagesFolder)/\(row[folderTaxon])/\(object).jpg"
            out.append((path, name, set.map { row[$0] }))
        }
        return out
    }

    /// The listing of `root` (see `ImageListing.fromTable`), rooted at `imgs/` when every
    /// image is under it.
    public static func listing(root: URL, level: Int = 1, classes wanted: [String]?) throws -> ImageListing {
        var entries = try rows(root: root, level: level)
        var base = root
        let prefix = imagesFolder + "/"
        if entries.allSatisfy({ $0.path.hasPrefix(prefix) }) {
            base = root.appendingPathComponent(imagesFolder)
            entries = entries.map { (String($0.path.dropFirst(prefix.count)), $0.label, $0.set) }
        }
        return try ImageListing.fromTable(root: base, entries: entries, wanted: wanted)
    }
}
