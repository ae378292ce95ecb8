/// experiments/README.md's key reference, generated from the schema so the docs cannot
/// drift from what the loader accepts.
public enum SchemaDocs {
    /// One table per group: key, type, default, range or condition, description.
    public static var markdown: String {
        var out = ""
        var currentGroup: String? = nil
        for key in ExperimentSchema.keys {
            let group = key.parent
            if group != currentGroup {
                currentGroup = group
                out += "\n### `\(group.isEmpty ? "(top level)" : group)`\n\n"
                if let doc = ExperimentSchema.groupDocs[group] { out += doc + "\n\n" }
                out += "| key | type | default | allowed | meaning |\n| --- | --- | --- | --- | --- |\n"
            }
            var allowed = key.range?.text ?? ""
            if let when = key.appliesWhen {
                allowed += (allowed.isEmpty ? "" : "; ") + "only when `\(when.path)` is " + when.values.map { "`\($0)`" }.joined(separator: " or ")
            }
            out += "| `\(key.name)` | \(key.type.name) | `\(key.defaultValue.yamlText)` | \(allowed) | \(key.doc) |\n"
        }
        return out
    }
}
