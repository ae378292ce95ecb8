import Datasets
import Experiment
import Foundation

/// The images of an experiment's data source (`data.source` other than `synthetic`), read
/// the way its keys say: class folders, an EcoTaxa export or ZooScanNet's `taxa.csv`, capped
/// by `max_per_class`. One place for the planner (which fingerprints the listing) and the
/// config check (which only needs the class names).
enum DataSourceListing {
    /// The listing, capped; nil for synthetic data.
    /// - Throws: `DatasetError` naming the missing folder or file, the bad table line, or
    ///   the unknown class.
    static func listing(_ v: ResolvedValues) throws -> ImageListing? {
        let source = v.string("data.source")
        let wanted = v.value("data.\(source).classes").listValue?.compactMap(\.stringValue)
        let listing: ImageListing
        switch source {
        case "folders":
            listing = try ClassFolderScan.scan(root: URL(fileURLWithPath: v.string("data.folders.root")), classes: wanted)
        case "ecotaxa":
            let (tsv, images, options) = ecoTaxa(v)
            listing = try EcoTaxaExport.listing(tsv: tsv, images: images, options: options, classes: wanted)
        case "zooscannet":
            listing = try ZooScanNetTable.listing(root: URL(fileURLWithPath: v.string("data.zooscannet.root")),
                                                  level: v.int("data.zooscannet.level"), classes: wanted)
        default:
            return nil
        }
        guard let cap = v.optionalInt("data.\(source).max_per_class") else { return listing }
        return listing.capped(maxPerClass: cap, seed: UInt64(v.int("seed")))
    }

    /// Every class name the source offers (before `classes` picks some), for checking the
    /// names an experiment uses; nil for synthetic data. Reads tables, not images.
    static func classNames(_ v: ResolvedValues) throws -> [String]? {
        switch v.string("data.source") {
        case "folders":
            let root = v.string("data.folders.root")
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root, isDirectory: &isDir), isDir.boolValue else {
                throw ClassListing.MissingData(description: "data.folders.root: no such folder '\(root)' (relative to \(FileManager.default.currentDirectoryPath))")
            }
            let names = try FileManager.default.contentsOfDirectory(atPath: root).filter { name in
                var sub: ObjCBool = false
                return !name.hasPrefix(".") && FileManager.default.fileExists(atPath: root + "/" + name, isDirectory: &sub) && sub.boolValue
            }
            guard !names.isEmpty else {
                throw ClassListing.MissingData(description: "data.folders.root: '\(root)' has no class sub-folders")
            }
            return names.sorted(by: byteOrderPrecedes)
        case "ecotaxa":
            let (tsv, images, options) = ecoTaxa(v)
            let rows = try EcoTaxaExport.rows(tsv: tsv, images: images, options: options)
            return Array(Set(rows.entries.map(\.label))).sorted(by: byteOrderPrecedes)
        case "zooscannet":
            let rows = try ZooScanNetTable.rows(root: URL(fileURLWithPath: v.string("data.zooscannet.root")), level: v.int("data.zooscannet.level"))
            return Array(Set(rows.map(\.label))).sorted(by: byteOrderPrecedes)
        default:
            return nil
        }
    }

    /// `data.ecotaxa` as the reader's arguments.
    static func ecoTaxa(_ v: ResolvedValues) -> (tsv: URL, images: URL?, options: EcoTaxaExport.Options) {
        let label: EcoTaxaExport.Label = v.string("data.ecotaxa.label") == EcoTaxaLabel.lineage.rawValue
            ? .lineage(level: v.optionalInt("data.ecotaxa.lineage_level")) : .category
        let images = v.value("data.ecotaxa.images").stringValue.map { URL(fileURLWithPath: $0) }
        return (URL(fileURLWithPath: v.string("data.ecotaxa.tsv")), images,
                EcoTaxaExport.Options(statuses: v.strings("data.ecotaxa.status"), label: label,
                                      setColumn: v.value("data.ecotaxa.set_column").stringValue))
    }
}
