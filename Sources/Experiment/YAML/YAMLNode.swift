/// A YAML node with the position where it starts. Built from libyaml's parser events so
/// that every key and value can be named in an error as `FILE:LINE:COLUMN`.
public struct YAMLNode: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        /// A scalar's text; `quoted` when written in single or double quotes (always a string).
        case scalar(String, quoted: Bool)
        case sequence([YAMLNode])
        /// Keys in file order (duplicates are rejected by the parser).
        case mapping([(key: YAMLNode, value: YAMLNode)])

        public static func == (a: Kind, b: Kind) -> Bool {
            switch (a, b) {
            case let (.scalar(x, qx), .scalar(y, qy)): return x == y && qx == qy
            case let (.sequence(x), .sequence(y)): return x == y
            case let (.mapping(x), .mapping(y)):
                return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
            default: return false
            }
        }
    }

    public var kind: Kind
    public let mark: SourceMark

    public init(_ kind: Kind, mark: SourceMark) {
        self.kind = kind
        self.mark = mark
    }

    /// The text of a scalar node, nil otherwise.
    public var scalarText: String? {
        if case .scalar(let s, _) = kind { return s }
        return nil
    }

    /// An unquoted scalar that YAML reads as null (`null`, `~`, `Null`, `NULL`, or nothing).
    public var isNull: Bool {
        if case .scalar(let s, false) = kind { return ["", "~", "null", "Null", "NULL"].contains(s) }
        return false
    }

    /// The entries of a mapping node, nil otherwise.
    public var entries: [(key: YAMLNode, value: YAMLNode)]? {
        if case .mapping(let e) = kind { return e }
        return nil
    }

    /// The value under `key` of a mapping node.
    public subscript(key: String) -> YAMLNode? {
        entries?.first { $0.key.scalarText == key }?.value
    }

    /// A short word for the node's shape, for error messages.
    public var shapeName: String {
        switch kind {
        case .scalar: return "a scalar"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }
}
