import Foundation

/// Reads an experiment file: `extends:` chains deep-merged underneath, `--set` overrides on
/// top, every key checked against `ExperimentSchema`, defaults filled in. All problems are
/// reported at once, each as `FILE:LINE:COLUMN: message`.
public struct ExperimentLoader {
    /// Names the classes of a data source, for checking class names in the config; nil when
    /// they cannot be known without reading the data. Throws a message when the data source
    /// itself is unusable (a missing folder).
    public typealias ClassLister = (_ values: ResolvedValues) throws -> [String]?

    /// A rule between keys that the caller states (the rules that depend on what the
    /// algorithm modules accept, e.g. which loss variants need which batch shape, live with
    /// those modules' types): returns one diagnostic per problem, positioned with `mark`.
    public typealias Rule = (_ values: ResolvedValues, _ mark: (String) -> SourceMark) -> [Diagnostic]

    public let classLister: ClassLister
    public let rules: [Rule]

    public init(classLister: @escaping ClassLister = { _ in nil }, rules: [Rule] = []) {
        self.classLister = classLister
        self.rules = rules
    }

    /// Loads `file` with `overrides` (`key.path=value`).
    /// - Throws: `ConfigErrors` with every problem found.
    public func load(file: String, overrides: [String] = []) throws -> ResolvedExperiment {
        try load(file: file, text: nil, overrides: overrides)
    }

    /// Loads experiment text as if it were the content of `file` (`extends:` is resolved
    /// relative to `file`'s folder). For tests and the fuzzer.
    public func load(text: String, file: String, overrides: [String] = []) throws -> ResolvedExperiment {
        try load(file: file, text: text, overrides: overrides)
    }

    func load(file: String, text: String?, overrides: [String]) throws -> ResolvedExperiment {
        var diagnostics: [Diagnostic] = []
        var (tree, layers) = try baseTree(file: file, text: text)
        let (rest, sweep) = splitSweep(tree)
        if let sweep {
            throw ConfigErrors([Diagnostic(sweep.mark, "this file declares a sweep: run it with `krill run` (each member is a run)")])
        }
        tree = rest
        applyOverrides(overrides, to: &tree, layers: &layers, diagnostics: &diagnostics)
        return try resolve(tree, layers: layers, file: file, diagnostics: diagnostics)
    }

    /// The file's tree with its `extends:` chain merged underneath, and the merge layers.
    func baseTree(file: String, text: String?) throws -> (YAMLNode, [String]) {
        var layers: [String] = []
        do {
            return (try loadTree(file, text: text, chain: [], layers: &layers), layers)
        } catch let d as Diagnostic {
            throw ConfigErrors([d])
        }
    }

    /// Merges `--set` overrides on top of `tree`.
    func applyOverrides(_ overrides: [String], to tree: inout YAMLNode, layers: inout [String], diagnostics: inout [Diagnostic]) {
        for (i, text) in overrides.enumerated() {
            do {
                tree = merge(base: tree, over: try overrideTree(text, label: "--set[\(i + 1)]"))
                layers.append("--set[\(i + 1)]")
            } catch {
                diagnostics.append(error as? Diagnostic ?? Diagnostic(nil, "\(error)"))
            }
        }
    }

    /// Checks a merged tree against the schema and the rules, and resolves it.
    /// - Throws: `ConfigErrors` with every problem (and those already in `diagnostics`).
    func resolve(_ tree: YAMLNode, layers: [String], file: String, diagnostics prior: [Diagnostic]) throws -> ResolvedExperiment {
        var diagnostics = prior
        var explicit: [String: (value: ConfigValue, mark: SourceMark)] = [:]
        check(tree, group: "", explicit: &explicit, diagnostics: &diagnostics)
        dropInherited(&explicit, layers: layers)
        var values = ExperimentSchema.defaults
        for (path, entry) in explicit { values[path] = entry.value }
        let resolved = ResolvedValues(values)
        crossCheck(resolved, explicit: explicit, file: file, diagnostics: &diagnostics)
        if diagnostics.isEmpty {
            do {
                if let classes = try classLister(resolved) {
                    checkClasses(resolved, known: classes, explicit: explicit, diagnostics: &diagnostics)
                }
            } catch {
                let mark = ["data.folders.root", "data.ecotaxa.tsv", "data.zooscannet.root", "data.source"]
                    .lazy.compactMap { explicit[$0]?.mark }.first
                diagnostics.append(Diagnostic(mark ?? SourceMark(file: file, line: 1, column: 1), "\(error)"))
            }
        }
        guard diagnostics.isEmpty else {
            throw ConfigErrors(diagnostics.sorted { a, b in
                guard let x = a.mark, let y = b.mark else { return a.mark != nil }
                return (x.file, x.line, x.column) < (y.file, y.line, y.column)
            })
        }
        return ResolvedExperiment(file: file, values: resolved, marks: explicit.mapValues(\.mark))
    }

    // MARK: files and extends

    func loadTree(_ file: String, text given: String? = nil, chain: [String], layers: inout [String]) throws -> YAMLNode {
        let url = URL(fileURLWithPath: file).standardizedFileURL
        let text: String
        if let given {
            text = given
        } else {
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw Diagnostic(nil, "\(file): no such experiment file")
            }
            guard let decoded = String(data: data, encoding: .utf8) else {
                throw Diagnostic(SourceMark(file: file, line: 1, column: 1), "not UTF-8 text")
            }
            text = decoded
        }
        let node = try YAMLParser.parse(text, file: file)
        guard var entries = node.entries else {
            throw Diagnostic(node.mark, "an experiment file must be a mapping of keys, not \(node.shapeName)")
        }
        guard let i = entries.firstIndex(where: { $0.key.scalarText == "extends" }) else {
            layers.append(file)
            return node
        }
        let ref = entries.remove(at: i).value
        guard let name = ref.scalarText, !name.isEmpty else {
            throw Diagnostic(ref.mark, "extends: expected a file name, got \(ref.shapeName)")
        }
        let baseURL = URL(fileURLWithPath: name, relativeTo: url.deletingLastPathComponent()).standardizedFileURL
        if chain.contains(baseURL.path) || baseURL.path == url.path {
            throw Diagnostic(ref.mark, "extends: '\(name)' makes a cycle (\((chain + [url.path, baseURL.path]).map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: " -> ")))")
        }
        guard FileManager.default.fileExists(atPath: baseURL.path) else {
            throw Diagnostic(ref.mark, "extends: no such file '\(name)' (looked for \(baseURL.path))")
        }
        let relative = baseURL.path.hasPrefix(FileManager.default.currentDirectoryPath + "/")
            ? String(baseURL.path.dropFirst(FileManager.default.currentDirectoryPath.count + 1)) : baseURL.path
        let base = try loadTree(relative, chain: chain + [url.path], layers: &layers)
        layers.append(file)
        return merge(base: base, over: YAMLNode(.mapping(entries), mark: node.mark))
    }

    /// Deep merge: mappings merge key by key; anything else in `over` replaces `base`.
    func merge(base: YAMLNode, over: YAMLNode) -> YAMLNode {
        guard var merged = base.entries, let top = over.entries else { return over }
        for (key, value) in top {
            if let i = merged.firstIndex(where: { $0.key.scalarText == key.scalarText }) {
                merged[i] = (key, merge(base: merged[i].value, over: value))
            } else {
                merged.append((key, value))
            }
        }
        return YAMLNode(.mapping(merged), mark: base.mark)
    }

    /// `training.epochs=5` as a nested mapping, its value read as YAML.
    func overrideTree(_ text: String, label: String) throws -> YAMLNode {
        guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
            throw Diagnostic(SourceMark(file: label, line: 1, column: 1), "expected key.path=value, got '\(text)'")
        }
        let path = String(text[..<eq])
        let valueText = String(text[text.index(after: eq)...])
        let valueNode = try YAMLParser.parse(valueText, file: label, columnOffset: path.count + 1)
        // An empty value parses as an empty mapping; read it as null like `key:` in a file.
        let value = valueText.trimmingCharacters(in: .whitespaces).isEmpty
            ? YAMLNode(.scalar("", quoted: false), mark: valueNode.mark) : valueNode
        return try pathTree(path, value: value, label: label)
    }

    /// `a.b.c` and a value as the nested mapping `{a: {b: {c: value}}}`.
    func pathTree(_ path: String, value: YAMLNode, label: String, column: Int = 1) throws -> YAMLNode {
        var node = value
        for (i, part) in path.split(separator: ".", omittingEmptySubsequences: false).enumerated().reversed() {
            let mark = SourceMark(file: label, line: 1, column: column + path.split(separator: ".").prefix(i).reduce(0) { $0 + $1.count + 1 })
            guard !part.isEmpty else { throw Diagnostic(mark, "empty key in '\(path)'") }
            node = YAMLNode(.mapping([(YAMLNode(.scalar(String(part), quoted: false), mark: mark), node)]), mark: mark)
        }
        return node
    }

    // MARK: checks

    /// Walks a mapping against the schema: unknown keys, types, ranges.
    func check(_ node: YAMLNode, group: String, explicit: inout [String: (value: ConfigValue, mark: SourceMark)],
               diagnostics: inout [Diagnostic]) {
        guard let entries = node.entries else {
            diagnostics.append(Diagnostic(node.mark, "\(group.isEmpty ? "the file" : group): expected a mapping, got \(node.shapeName)"))
            return
        }
        for (keyNode, value) in entries {
            let name = keyNode.scalarText ?? ""
            let path = group.isEmpty ? name : group + "." + name
            if ExperimentSchema.switchableGroups.contains(path), case .scalar(let text, false) = value.kind,
               let on = ScalarReader.read(text).boolValue {
                explicit[path + ".enabled"] = (.bool(on), value.mark)
                continue
            }
            if ExperimentSchema.groups.contains(path) {
                if ExperimentSchema.switchableGroups.contains(path) { explicit[path + ".enabled"] = (.bool(true), value.mark) }
                check(value, group: path, explicit: &explicit, diagnostics: &diagnostics)
                continue
            }
            guard let key = ExperimentSchema.byPath[path], !path.hasSuffix(".enabled") else {
                diagnostics.append(Diagnostic(keyNode.mark, unknownKeyMessage(name, group: group)))
                continue
            }
            switch key.type.read(value) {
            case .failure(let d):
                diagnostics.append(Diagnostic(d.mark, "\(path): \(d.message)"))
            case .success(let v):
                if let problem = rangeProblem(v, key) {
                    diagnostics.append(Diagnostic(value.mark, "\(path): \(problem)"))
                } else {
                    explicit[path] = (v, value.mark)
                }
            }
        }
    }

    func unknownKeyMessage(_ name: String, group: String) -> String {
        let prefix = group.isEmpty ? "" : group + "."
        let siblings = Set(ExperimentSchema.byPath.keys.filter { !$0.hasSuffix(".enabled") }.map(\.self)
            .compactMap { path -> String? in
                guard path.hasPrefix(prefix) else { return nil }
                return path.dropFirst(prefix.count).split(separator: ".").first.map(String.init)
            } + (group.isEmpty ? ["extends"] : []))
        var message = "unknown key '\(prefix)\(name)'"
        if let guess = didYouMean(name, among: siblings.sorted()) {
            message += " (did you mean '\(prefix)\(guess)'?)"
        } else if let anywhere = didYouMean(name, among: ExperimentSchema.keys.map(\.name)),
                  let full = ExperimentSchema.keys.first(where: { $0.name == anywhere }) {
            message += " (did you mean '\(full.path)'?)"
        }
        return message
    }

    func rangeProblem(_ value: ConfigValue, _ key: SchemaKey) -> String? {
        if case .countOrFraction = key.type, case .float(let f) = value, !(f >= 0 && f < 1) {
            return "a fraction must be in [0, 1), got \(f); write a count as an integer"
        }
        guard let range = key.range else { return nil }
        let numbers: [Double]
        switch value {
        case .list(let items): numbers = items.compactMap(\.doubleValue)
        default: numbers = value.doubleValue.map { [$0] } ?? []
        }
        if let bad = numbers.first(where: { !range.contains($0) }) {
            let shown = bad == bad.rounded() && abs(bad) < 1e15 ? String(Int(bad)) : "\(bad)"
            return "\(shown) is out of range (\(range.text))"
        }
        return nil
    }

    /// A key that applies only under another value, inherited from an earlier layer (a base
    /// file, or the file under a `--set`) that a later layer overrides to another value, is
    /// dropped: `--set training.schedule.name=step` on a file with a cosine `min_lr` simply
    /// leaves `min_lr` out. Set in the same layer as the condition or later, it stays, and
    /// `crossCheck` reports it.
    func dropInherited(_ explicit: inout [String: (value: ConfigValue, mark: SourceMark)], layers: [String]) {
        func rank(_ path: String) -> Int { explicit[path].flatMap { layers.firstIndex(of: $0.mark.file) } ?? -1 }
        for (path, _) in explicit {
            guard let key = ExperimentSchema.byPath[path], let condition = key.appliesWhen else { continue }
            let actual = explicit[condition.path]?.value.stringValue ?? ExperimentSchema.byPath[condition.path]?.defaultValue.stringValue ?? ""
            if !condition.values.contains(actual) && rank(path) < rank(condition.path) { explicit[path] = nil }
        }
    }

    /// Rules between keys.
    func crossCheck(_ v: ResolvedValues, explicit: [String: (value: ConfigValue, mark: SourceMark)], file: String,
                    diagnostics: inout [Diagnostic]) {
        let top = SourceMark(file: file, line: 1, column: 1)
        func mark(_ path: String) -> SourceMark { explicit[path]?.mark ?? top }
        for (path, entry) in explicit {
            guard let key = ExperimentSchema.byPath[path], let condition = key.appliesWhen else { continue }
            let actual = v.string(condition.path)
            if !condition.values.contains(actual) {
                diagnostics.append(Diagnostic(entry.mark,
                    "\(path) applies only when \(condition.path) is \(condition.values.joined(separator: " or ")) (it is \(actual))"))
            }
        }
        // Batch shape and loss variant.
        let pkSet = v.optionalInt("training.batch.classes") != nil || v.optionalInt("training.batch.per_class") != nil
        if pkSet {
            if v.optionalInt("training.batch.classes") == nil || v.optionalInt("training.batch.per_class") == nil {
                let p = explicit["training.batch.classes"] != nil ? "training.batch.classes" : "training.batch.per_class"
                diagnostics.append(Diagnostic(mark(p), "P x K batches need both training.batch.classes and training.batch.per_class"))
            }
            if let t = explicit["training.batch.triplets"], t.value != .null {
                diagnostics.append(Diagnostic(t.mark, "training.batch: give either triplets or classes and per_class, not both"))
            }
        } else if v.optionalInt("training.batch.triplets") == nil {
            diagnostics.append(Diagnostic(mark("training.batch.triplets"), "training.batch: give triplets, or classes and per_class"))
        }
        for rule in rules { diagnostics += rule(v, mark) }
        if v.string("data.source") == "synthetic" {
            let n = v.int("data.synthetic.per_class")
            let need = v.splitCount("split.validation", classSize: n) + v.splitCount("split.test", classSize: n)
            if need >= n {
                diagnostics.append(Diagnostic(mark(explicit["split.validation"] != nil ? "split.validation" : "data.synthetic.per_class"),
                    "split: \(need) validation + test images per class leave none of the \(n) synthetic images per class for training"))
            }
        }
        if v.int("rescale.size") < (1 << max(0, v.ints("model.channels").count - 1)) {
            diagnostics.append(Diagnostic(mark("rescale.size"),
                "rescale.size \(v.int("rescale.size")) is too small for \(v.ints("model.channels").count) pooled blocks"))
        }
    }

    func checkClasses(_ v: ResolvedValues, known: [String], explicit: [String: (value: ConfigValue, mark: SourceMark)],
                      diagnostics: inout [Diagnostic]) {
        var available = known
        let classesKey = "data.\(v.string("data.source")).classes"
        if ExperimentSchema.byPath[classesKey] != nil, let wanted = v.value(classesKey).listValue {
            let names = wanted.compactMap(\.stringValue)
            let unknown = names.filter { !known.contains($0) }
            for name in unknown {
                let hint = didYouMean(name, among: known).map { " (did you mean '\($0)'?)" } ?? ""
                diagnostics.append(Diagnostic(explicit[classesKey]?.mark, "\(classesKey): unknown class '\(name)'\(hint)"))
            }
            available = names.filter { known.contains($0) }
        }
        let unseen = v.strings("split.unseen_classes")
        for name in unseen where !available.contains(name) {
            let hint = didYouMean(name, among: available).map { " (did you mean '\($0)'?)" } ?? ""
            diagnostics.append(Diagnostic(explicit["split.unseen_classes"]?.mark,
                "split.unseen_classes: unknown class '\(name)'\(hint)"))
        }
        if !unseen.isEmpty && Set(unseen).isSuperset(of: available) {
            diagnostics.append(Diagnostic(explicit["split.unseen_classes"]?.mark, "split.unseen_classes: every class is unseen; nothing is left to train on"))
        }
        if available.count - Set(unseen).intersection(available).count < 2 {
            diagnostics.append(Diagnostic(explicit["split.unseen_classes"]?.mark ?? explicit["data.source"]?.mark,
                "training needs at least 2 seen classes"))
        }
    }
}
