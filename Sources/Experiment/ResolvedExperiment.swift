/// An experiment after loading: its source file, every value (defaults filled in), and
/// where the files or overrides set each explicit value.
public struct ResolvedExperiment: Sendable {
    public let file: String
    public let values: ResolvedValues
    /// Where each explicitly set path was written (`FILE:LINE:COLUMN`, or `--set[i]`).
    public let marks: [String: SourceMark]

    public init(file: String, values: ResolvedValues, marks: [String: SourceMark] = [:]) {
        self.file = file
        self.values = values
        self.marks = marks
    }

    /// The paths the files or overrides set explicitly.
    public var explicitPaths: Set<String> { Set(marks.keys) }

    /// Where a value came from: its mark when set explicitly, else the file's first line.
    public func mark(of path: String) -> SourceMark { marks[path] ?? SourceMark(file: file, line: 1, column: 1) }

    /// The resolved experiment as YAML: every applicable key in schema order, defaults
    /// filled, overrides applied. Loading this text again gives the same values.
    public var yaml: String {
        var out = "# resolved by krill from \(file): defaults filled in, overrides applied\n"
        var openGroups: [String] = []
        var disabled = Set<String>()
        for key in ExperimentSchema.keys {
            let group = key.parent
            if let switchable = ExperimentSchema.switchableGroups.first(where: { group == $0 }),
               !values.enabled(switchable) {
                if !disabled.contains(switchable) {
                    disabled.insert(switchable)
                    emitGroups(to: String(switchable.split(separator: ".").dropLast().joined(separator: ".")), open: &openGroups, out: &out)
                    out += String(repeating: "  ", count: openGroups.count) + "\(switchable.split(separator: ".").last!): false\n"
                }
                continue
            }
            guard values.applies(key) else { continue }
            emitGroups(to: group, open: &openGroups, out: &out)
            out += String(repeating: "  ", count: openGroups.count) + "\(key.name): \(values.value(key.path).yamlText)\n"
        }
        return out
    }

    /// Opens and closes nested group headers so that the next key lands under `group`.
    private func emitGroups(to group: String, open: inout [String], out: inout String) {
        let target = group.isEmpty ? [] : group.split(separator: ".").map(String.init)
        var common = 0
        while common < min(open.count, target.count) && open[common] == target[common] { common += 1 }
        open = Array(open.prefix(common))
        while open.count < target.count {
            out += String(repeating: "  ", count: open.count) + "\(target[open.count]):\n"
            open.append(target[open.count])
        }
    }
}
