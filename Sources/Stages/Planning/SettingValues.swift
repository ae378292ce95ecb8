import Datasets
import Foundation
import Imaging

/// Schema values that are a number or a word (`gamma: scale`, `clusters: classes`,
/// `learning_rate: auto`), as stage parameters.
public enum NumberOrWord: Codable, Hashable, Sendable {
    case number(Double)
    case word(String)

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let d = try? c.decode(Double.self) { self = .number(d) } else { self = .word(try c.decode(String.self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .number(let d): try c.encode(d)
        case .word(let w): try c.encode(w)
        }
    }

    /// The word, when the value is one of `words`; a plan error for any other word.
    func word(in words: [String], path: String) throws -> String? {
        switch self {
        case .number: return nil
        case .word(let w):
            guard words.contains(w) else {
                throw DecodingError.dataCorrupted(.init(codingPath: [PathKey(path)], debugDescription: "expected a number or \(words.joined(separator: " or "))"))
            }
            return w
        }
    }
}

/// A coding key made of a dotted path (for plan errors raised after decoding).
struct PathKey: CodingKey {
    let stringValue: String
    init(_ path: String) { stringValue = path }
    init?(stringValue: String) { self.stringValue = stringValue }
    var intValue: Int? { nil }
    init?(intValue: Int) { nil }
}

/// `split.validation` and `split.test`: a count (an integer) or a fraction (a number with a point).
public enum SplitAmountSetting: Codable, Hashable, Sendable {
    case count(Int)
    case fraction(Double)

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        let d = try c.decode(Double.self)
        if let i = try? c.decode(Int.self), Double(i) == d, !(d > 0 && d < 1) { self = .count(i) } else { self = .fraction(d) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .count(let n): try c.encode(n)
        case .fraction(let f): try c.encode(f)
        }
    }

    var amount: SplitAmount {
        switch self {
        case .count(let n): return .count(n)
        case .fraction(let f): return .fraction(f)
        }
    }
}

/// `rescale.background`: `white`, `black`, a grey level 0-255, or `auto` (each image's
/// border median).
public struct GreyLevel: Codable, Hashable, Sendable {
    /// The level; 255 (unused) with `auto`.
    public let gray: UInt8
    /// `auto`: each image is padded with the median of its border pixels.
    public let fromBorder: Bool

    public init(gray: UInt8) {
        self.gray = gray
        fromBorder = false
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let level = try? c.decode(Int.self) {
            guard let g = UInt8(exactly: level) else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "a grey level is 0-255")
            }
            self.init(gray: g)
            return
        }
        switch try c.decode(String.self) {
        case "white": self.init(gray: 255)
        case "black": self.init(gray: 0)
        case "auto": self.init(auto: ())
        default: throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected white, black, auto or 0-255")
        }
    }

    private init(auto: Void) {
        gray = 255
        fromBorder = true
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        if fromBorder { try c.encode("auto") } else { try c.encode(Int(gray)) }
    }
}

/// `rescale`: how images become S x S inputs (shared by both source stages).
public struct RescaleSettings: Codable, Hashable, Sendable {
    public var size: Int
    public var fit: FitMode
    public var upscale: Bool
    public var background: GreyLevel

    public var rescaler: Rescaler {
        Rescaler(side: size, fit: fit, upscale: upscale, background: background.gray, backgroundFromBorder: background.fromBorder)
    }
}
