import Foundation

extension Checkpoint {
    /// The metadata of the checkpoint at `url` (epoch, history), without restoring it;
    /// nil when absent or unreadable. For `krill status`.
    public static func peek(at url: URL) -> Checkpoint? {
        guard let data = try? Data(contentsOf: url),
              let (header, _) = try? BlobFile.decode(data, magic: magic, path: url.path) else { return nil }
        return try? BlobFile.decodeJSON(Checkpoint.self, from: header, path: url.path)
    }
}
