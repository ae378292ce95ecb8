/// The type of a configuration key: how a YAML node is read and checked.
public indirect enum ValueType: Equatable, Sendable {
    case int
    case float
    case bool
    case string
    /// One of the given words.
    case choice([String])
    /// A list of values of one type.
    case list(ValueType)
    /// A value of the type, or null.
    case optional(ValueType)
    /// An integer count (>= 1 reads as a count) or a fraction in [0, 1) written with a point.
    case countOrFraction
    /// A number, or one of the given words (`gamma: scale`, `learning_rate: auto`).
    case numberOrWord([String])
    /// An integer, or one of the given words (`clusters: classes`).
    case intOrWord([String])
    /// A list of strings, or the given word (`classes: all`).
    case stringsOrWord(String)
    /// A grey level: `white`, `black` or 0-255.
    case greyLevel

    /// How the type reads in docs and errors.
    public var name: String {
        switch self {
        case .int: return "an integer"
        case .float: return "a number"
        case .bool: return "true or false"
        case .string: return "a string"
        case .choice(let words): return "one of " + words.joined(separator: ", ")
        case .list(let t): return "a list of " + t.plural
        case .optional(let t): return t.name + " or null"
        case .countOrFraction: return "a count or a fraction in [0, 1)"
        case .numberOrWord(let words): return "a number or " + words.joined(separator: " or ")
        case .intOrWord(let words): return "an integer or " + words.joined(separator: " or ")
        case .stringsOrWord(let word): return "a list of names or \(word)"
        case .greyLevel: return "white, black, auto or a grey level 0-255"
        }
    }

    var plural: String {
        switch self {
        case .int: return "integers"
        case .float: return "numbers"
        case .string: return "strings"
        default: return "values (\(name))"
        }
    }

    /// Reads a node as this type; returns nil and a reason when it does not fit.
    func read(_ node: YAMLNode) -> Result<ConfigValue, Diagnostic> {
        let fail = { (why: String) in Result<ConfigValue, Diagnostic>.failure(Diagnostic(node.mark, why)) }
        if case .optional(let inner) = self {
            return node.isNull ? .success(.null) : inner.read(node)
        }
        if case .list(let inner) = self {
            guard case .sequence(let items) = node.kind else { return fail("expected \(name), got \(node.shapeName)") }
            var values: [ConfigValue] = []
            for item in items {
                switch inner.read(item) {
                case .success(let v): values.append(v)
                case .failure(let d): return .failure(d)
                }
            }
            return .success(.list(values))
        }
        if case .stringsOrWord(let word) = self {
            if node.scalarText == word { return .success(.string(word)) }
            return ValueType.list(.string).read(node).mapError { Diagnostic($0.mark, "expected \(self.name)") }
        }
        guard case .scalar(let text, let quoted) = node.kind else { return fail("expected \(name), got \(node.shapeName)") }
        let value: ConfigValue = quoted ? .string(text) : ScalarReader.read(text)
        let got = "'\(text)'"
        switch self {
        case .int:
            if case .int = value { return .success(value) }
            return fail("expected an integer, got \(got)")
        case .float:
            if let d = value.doubleValue, d.isFinite { return .success(.float(d)) }
            return fail("expected a number, got \(got)")
        case .bool:
            if case .bool = value { return .success(value) }
            return fail("expected true or false, got \(got)")
        case .string:
            return .success(.string(text))
        case .choice(let words):
            if words.contains(text) { return .success(.string(text)) }
            let hint = didYouMean(text, among: words).map { " (did you mean '\($0)'?)" } ?? ""
            return fail("expected \(name), got \(got)\(hint)")
        case .countOrFraction:
            if case .int(let i) = value { return .success(.int(i)) }
            if case .float(let d) = value, d.isFinite { return .success(.float(d)) }
            return fail("expected \(name), got \(got)")
        case .numberOrWord(let words):
            if words.contains(text) { return .success(.string(text)) }
            if let d = value.doubleValue, d.isFinite { return .success(.float(d)) }
            return fail("expected \(name), got \(got)")
        case .intOrWord(let words):
            if words.contains(text) { return .success(.string(text)) }
            if case .int = value { return .success(value) }
            return fail("expected \(name), got \(got)")
        case .greyLevel:
            if text == "white" || text == "black" || text == "auto" { return .success(.string(text)) }
            if case .int(let i) = value, (0...255).contains(i) { return .success(value) }
            return fail("expected \(name), got \(got)")
        case .optional, .list, .stringsOrWord:
            return fail("unreachable")
        }
    }
}

/// The closest of `candidates` to `word` by edit distance, if close enough to be a typo.
public func didYouMean(_ word: String, among candidates: [String]) -> String? {
    let scored = candidates.map { ($0, editDistance(word.lowercased(), $0.lowercased())) }
    guard let best = scored.min(by: { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }) else { return nil }
    return best.1 <= max(2, word.count / 3) ? best.0 : nil
}

/// Levenshtein distance between two strings (by Character).
func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a), y = Array(b)
    if x.isEmpty { return y.count }
    if y.isEmpty { return x.count }
    var previous = Array(0...y.count)
    var current = [Int](repeating: 0, count: y.count + 1)
    for i in 1...x.count {
        current[0] = i
        for j in 1...y.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
        }
        swap(&previous, &current)
    }
    return previous[y.count]
}
