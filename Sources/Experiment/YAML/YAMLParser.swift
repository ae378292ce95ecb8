import CYAML
import Foundation

/// Builds `YAMLNode` trees from libyaml's event parser, keeping the start mark of every
/// node. Anchors and aliases are resolved by copying; a file with several documents is
/// refused; duplicate mapping keys are errors.
public enum YAMLParser {
    /// Parses `text`, naming `file` in marks and errors. An empty document is an empty mapping.
    /// - Parameters:
    ///   - lineOffset, columnOffset: added to libyaml's zero-based marks (for `--set` values
    ///     quoted inside a longer command line).
    /// - Throws: `Diagnostic` at the position libyaml reports.
    public static func parse(_ text: String, file: String, columnOffset: Int = 0) throws -> YAMLNode {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { throw Diagnostic(nil, "\(file): cannot initialise the YAML parser") }
        defer { yaml_parser_delete(&parser) }
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBufferPointer { buffer -> YAMLNode in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var builder = TreeBuilder(file: file, columnOffset: columnOffset)
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    let problem = parser.problem.map { String(cString: $0) } ?? "invalid YAML"
                    let context = parser.context.map { String(cString: $0) + " " } ?? ""
                    let mark = builder.mark(line: parser.problem_mark.line, column: parser.problem_mark.column)
                    throw Diagnostic(mark, "YAML syntax error: \(context)\(problem)")
                }
                defer { yaml_event_delete(&event) }
                if event.type == YAML_STREAM_END_EVENT { break }
                try builder.consume(&event)
            }
            return builder.root ?? YAMLNode(.mapping([]), mark: SourceMark(file: file, line: 1, column: 1 + columnOffset))
        }
    }
}

/// Turns the flat event stream into nested nodes with a stack of open collections.
private struct TreeBuilder {
    let file: String
    let columnOffset: Int
    var root: YAMLNode?
    var documents = 0
    var anchors: [String: YAMLNode] = [:]
    /// Open collections: the node being built, its anchor, and for mappings a pending key.
    var stack: [(node: YAMLNode, anchor: String?, pendingKey: YAMLNode?)] = []

    init(file: String, columnOffset: Int) {
        self.file = file
        self.columnOffset = columnOffset
    }

    func mark(line: Int, column: Int) -> SourceMark {
        SourceMark(file: file, line: line + 1, column: column + 1 + (line == 0 ? columnOffset : 0))
    }

    mutating func consume(_ event: inout yaml_event_t) throws {
        let at = mark(line: event.start_mark.line, column: event.start_mark.column)
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            documents += 1
            if documents > 1 { throw Diagnostic(at, "only one YAML document is allowed per experiment file") }
        case YAML_SCALAR_EVENT:
            let s = event.data.scalar
            let text = String(decoding: UnsafeBufferPointer(start: s.value, count: s.length), as: UTF8.self)
            let quoted = s.style == YAML_SINGLE_QUOTED_SCALAR_STYLE || s.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE
                || s.style == YAML_LITERAL_SCALAR_STYLE || s.style == YAML_FOLDED_SCALAR_STYLE
            let node = YAMLNode(.scalar(text, quoted: quoted), mark: at)
            if let a = s.anchor { anchors[String(cString: a)] = node }
            try add(node)
        case YAML_ALIAS_EVENT:
            let name = String(cString: event.data.alias.anchor)
            guard let target = anchors[name] else { throw Diagnostic(at, "unknown alias *\(name)") }
            try add(YAMLNode(target.kind, mark: at))
        case YAML_SEQUENCE_START_EVENT:
            stack.append((YAMLNode(.sequence([]), mark: at), event.data.sequence_start.anchor.map { String(cString: $0) }, nil))
        case YAML_MAPPING_START_EVENT:
            stack.append((YAMLNode(.mapping([]), mark: at), event.data.mapping_start.anchor.map { String(cString: $0) }, nil))
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            let done = stack.removeLast()
            if let a = done.anchor { anchors[a] = done.node }
            try add(done.node)
        default:
            break
        }
    }

    mutating func add(_ node: YAMLNode) throws {
        guard !stack.isEmpty else {
            root = node
            return
        }
        var top = stack.removeLast()
        switch top.node.kind {
        case .sequence(var items):
            items.append(node)
            top.node.kind = .sequence(items)
        case .mapping(var entries):
            if let key = top.pendingKey {
                entries.append((key, node))
                top.node.kind = .mapping(entries)
                top.pendingKey = nil
            } else {
                guard let name = node.scalarText else {
                    throw Diagnostic(node.mark, "a mapping key must be a plain word, not \(node.shapeName)")
                }
                if let first = entries.first(where: { $0.key.scalarText == name }) {
                    throw Diagnostic(node.mark, "duplicate key '\(name)' (first at line \(first.key.mark.line))")
                }
                top.pendingKey = node
            }
        case .scalar:
            break
        }
        stack.append(top)
    }
}
