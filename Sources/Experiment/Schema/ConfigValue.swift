import Foundation
import Storage

/// A typed configuration value, after the schema has read a YAML node.
public enum ConfigValue: Equatable, Hashable, Sendable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case list([ConfigValue])

    public var intValue: Int? {
        if case .int(let v) = self { return v }
        return nil
    }

    /// A number as Double (ints included).
    public var doubleValue: Double? {
        switch self {
        case .int(let v): return Double(v)
        case .float(let v): return v
        default: return nil
        }
    }

    public var boolValue: Bool? {
        if case .bool(let v) = self { return v }
        return nil
    }

    public var stringValue: String? {
        if case .string(let v) = self { return v }
        return nil
    }

    public var listValue: [ConfigValue]? {
        if case .list(let v) = self { return v }
        return nil
    }

    /// YAML flow text that reads back as the same value.
    public var description: String { yamlText }

    /// The value as YAML flow text: numbers in shortest round-trip form, strings quoted
    /// when a plain scalar would read as something else.
    public var yamlText: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .float(let d):
            if d.isNaN { return ".nan" }
            if d.isInfinite { return d > 0 ? ".inf" : "-.inf" }
            let s = "\(d)"
            return s.contains(".") || s.contains("e") ? s : s + ".0"
        case .string(let s):
            let plain = ScalarReader.read(s) == .string(s) && !s.isEmpty
                && s.allSatisfy { $0.isLetter || $0.isNumber || "_-./+@".contains($0) }
            return plain ? s : JSONValue.quote(s)
        case .list(let items): return "[" + items.map(\.yamlText).joined(separator: ", ") + "]"
        }
    }

    /// The value as JSON (for canonical stage keys and run.json).
    public var jsonObject: Any {
        switch self {
        case .null: return NSNull()
        case .bool(let b): return b
        case .int(let i): return i
        case .float(let d): return d
        case .string(let s): return s
        case .list(let items): return items.map(\.jsonObject)
        }
    }
}

/// How YAML 1.2's core schema reads an unquoted scalar.
public enum ScalarReader {
    public static func read(_ text: String) -> ConfigValue {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf": return .float(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .float(-.infinity)
        case ".nan", ".NaN", ".NAN": return .float(.nan)
        default: break
        }
        let digits = text.replacingOccurrences(of: "_", with: "")
        if let i = Int(digits), digits.allSatisfy({ $0.isNumber || $0 == "-" || $0 == "+" }) { return .int(i) }
        if digits.contains(where: \.isNumber), let d = Double(digits),
           digits.allSatisfy({ $0.isNumber || "+-.eE".contains($0) }) {
            return .float(d)
        }
        return .string(text)
    }
}
