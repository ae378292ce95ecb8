/// A position in a source file, 1-based for people: `file:line:column`.
public struct SourceMark: Equatable, Hashable, Sendable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }
}

/// One problem found in an experiment, at a position: prints as `FILE:LINE:COLUMN: message`.
public struct Diagnostic: Error, Equatable, Sendable, CustomStringConvertible {
    public let mark: SourceMark?
    public let message: String

    public init(_ mark: SourceMark?, _ message: String) {
        self.mark = mark
        self.message = message
    }

    public var description: String {
        if let mark { return "\(mark): \(message)" }
        return message
    }
}

/// Every problem found in an experiment at once, in file order.
public struct ConfigErrors: Error, Equatable, Sendable, CustomStringConvertible {
    public let diagnostics: [Diagnostic]

    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
