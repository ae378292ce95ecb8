import Foundation

/// One swept key and its values, in the order given.
public struct SweepAxis: Sendable, Equatable {
    /// The dotted key (`loss.variant`).
    public let path: String
    /// Each value as it reads in a member's name (`semi_hard`, `0.001`, `[1,2]`).
    public let values: [String]
}

/// One member of a sweep: an ordinary experiment with some keys set.
public struct SweepMember: Sendable {
    /// `key=value` per axis, in axis order.
    public let assignments: [(path: String, value: String)]
    public let experiment: ResolvedExperiment

    /// `loss.variant=semi_hard,seed=2`: the member's run name under the sweep's name.
    public var name: String {
        assignments.map { "\($0.path)=\($0.value)" }.joined(separator: ",").replacingOccurrences(of: "/", with: "∕")
    }
}

/// A sweep as loaded: its axes and every member (the cartesian product, first axis slowest).
public struct SweepPlan: Sendable {
    public let axes: [SweepAxis]
    public let members: [SweepMember]
}

extension ExperimentLoader {
    /// Loads `file` with `overrides` and a sweep: the file's top-level `sweep:` block
    /// (`{key.path: [values]}`) and the `--sweep key=a,b,c` arguments (one axis each; an
    /// axis of the file with the same key is replaced). Every value is typed and checked as
    /// `--set` would (a bad value is reported once, with its position); then each member of
    /// the cartesian product is loaded and checked whole.
    /// - Returns: nil when there is no sweep (load the file with `load`).
    /// - Throws: `ConfigErrors`; a member's problems are prefixed with its name.
    public func loadSweep(file: String, overrides: [String] = [], sweeps: [String]) throws -> SweepPlan? {
        var diagnostics: [Diagnostic] = []
        var (tree, layers) = try baseTree(file: file, text: nil)
        let (rest, block) = splitSweep(tree)
        tree = rest
        applyOverrides(overrides, to: &tree, layers: &layers, diagnostics: &diagnostics)
        // Each axis: (path, [(value node, label for layers)]).
        var axes: [(path: String, values: [YAMLNode], label: String)] = []
        if let block {
            guard let entries = block.entries else { throw ConfigErrors([Diagnostic(block.mark, "sweep: expected a mapping of key: [values]")]) }
            for (key, value) in entries {
                guard let path = key.scalarText, case .sequence(let items) = value.kind, !items.isEmpty else {
                    diagnostics.append(Diagnostic(value.mark, "sweep: \(key.scalarText ?? "?"): expected a non-empty list of values"))
                    continue
                }
                axes.append((path, items, key.mark.file))
            }
        }
        for (i, text) in sweeps.enumerated() {
            let label = "--sweep[\(i + 1)]"
            do {
                let axis = try parseSweepArgument(text, label: label)
                axes.removeAll { $0.path == axis.path }
                axes.append((axis.path, axis.values, label))
            } catch {
                diagnostics.append(error as? Diagnostic ?? Diagnostic(nil, "\(error)"))
            }
        }
        guard !axes.isEmpty || !diagnostics.isEmpty else { return nil }
        // Each value alone: its problems once, where it was written.
        for axis in axes {
            if ExperimentSchema.byPath[axis.path] == nil && !ExperimentSchema.groups.contains(axis.path) {
                let mark = axis.values.first?.mark
                diagnostics.append(Diagnostic(mark, "sweep: unknown key '\(axis.path)'"
                    + (didYouMean(axis.path, among: ExperimentSchema.keys.map(\.path)).map { " (did you mean '\($0)'?)" } ?? "")))
                continue
            }
            for value in axis.values {
                do {
                    var single = tree
                    single = merge(base: single, over: try pathTree(axis.path, value: value, label: axis.label))
                    _ = try resolve(single, layers: layers + [axis.label], file: file, diagnostics: [])
                } catch let errors as ConfigErrors {
                    // Only the problems of this value (the base file's are reported on their own).
                    diagnostics += errors.diagnostics.filter { $0.mark?.file == value.mark.file && $0.mark?.line == value.mark.line || $0.message.hasPrefix(axis.path) }
                } catch {
                    diagnostics.append(error as? Diagnostic ?? Diagnostic(value.mark, "\(error)"))
                }
            }
        }
        if !diagnostics.isEmpty { throw ConfigErrors(unique(diagnostics)) }
        _ = try resolve(tree, layers: layers, file: file, diagnostics: [])  // the base itself
        // The cartesian product, first axis slowest.
        var combinations: [[(Int, YAMLNode)]] = [[]]
        for (a, axis) in axes.enumerated() {
            combinations = combinations.flatMap { partial in axis.values.map { partial + [(a, $0)] } }
        }
        var members: [SweepMember] = []
        var memberErrors: [Diagnostic] = []
        for combination in combinations {
            var memberTree = tree
            var memberLayers = layers
            for (a, value) in combination {
                memberTree = merge(base: memberTree, over: try pathTree(axes[a].path, value: value, label: axes[a].label))
                if !memberLayers.contains(axes[a].label) { memberLayers.append(axes[a].label) }
            }
            do {
                let experiment = try resolve(memberTree, layers: memberLayers, file: file, diagnostics: [])
                let assignments = combination.map { a, _ in (axes[a].path, experiment.values.all[axes[a].path]?.yamlText ?? "?") }
                members.append(SweepMember(assignments: assignments, experiment: experiment))
            } catch let errors as ConfigErrors {
                let name = combination.map { a, v in "\(axes[a].path)=\(v.scalarText ?? "…")" }.joined(separator: ",")
                memberErrors += errors.diagnostics.map { Diagnostic($0.mark, "sweep member \(name): \($0.message)") }
            }
        }
        if !memberErrors.isEmpty { throw ConfigErrors(unique(memberErrors)) }
        let names = members.first.map { $0.assignments.map(\.path) } ?? axes.map(\.path)
        let valueTexts = names.indices.map { i in
            members.map { $0.assignments[i].value }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        }
        return SweepPlan(axes: zip(names, valueTexts).map { SweepAxis(path: $0, values: $1) }, members: members)
    }

    /// `key.path=a,b,[1,2]`: the key and each value as a YAML node positioned in the argument
    /// (commas inside brackets, braces or quotes do not split).
    func parseSweepArgument(_ text: String, label: String) throws -> (path: String, values: [YAMLNode]) {
        guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
            throw Diagnostic(SourceMark(file: label, line: 1, column: 1), "expected key.path=a,b,c, got '\(text)'")
        }
        let path = String(text[..<eq])
        var values: [YAMLNode] = []
        var depth = 0, quote: Character? = nil
        var start = text.index(after: eq)
        var i = start
        func take(_ end: String.Index) throws {
            let piece = String(text[start..<end])
            let column = text.distance(from: text.startIndex, to: start)
            guard !piece.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw Diagnostic(SourceMark(file: label, line: 1, column: column + 1), "empty value in '\(text)'")
            }
            values.append(try YAMLParser.parse(piece, file: label, columnOffset: column))
        }
        while i < text.endIndex {
            let c = text[i]
            if let q = quote { if c == q { quote = nil } } else if c == "\"" || c == "'" { quote = c } else if c == "[" || c == "{" { depth += 1 } else if c == "]" || c == "}" { depth -= 1 } else if c == "," && depth == 0 {
                try take(i)
                start = text.index(after: i)
            }
            i = text.index(after: i)
        }
        try take(text.endIndex)
        return (path, values)
    }

    /// The tree without its top-level `sweep:` entry, and that entry's value.
    func splitSweep(_ tree: YAMLNode) -> (tree: YAMLNode, sweep: YAMLNode?) {
        guard var entries = tree.entries, let i = entries.firstIndex(where: { $0.key.scalarText == "sweep" }) else { return (tree, nil) }
        let sweep = entries.remove(at: i).value
        return (YAMLNode(.mapping(entries), mark: tree.mark), sweep)
    }

    func unique(_ diagnostics: [Diagnostic]) -> [Diagnostic] {
        var seen = Set<String>()
        return diagnostics.filter { seen.insert($0.description).inserted }
    }
}
