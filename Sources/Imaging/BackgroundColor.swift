import Foundation

/// The grey value that fills the square around a padded image (the experiment key
/// `rescale.background`): white (255) for ZooScan's dark objects on white.
public struct BackgroundColor: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// The grey level, 0 (black) ... 255 (white).
    public var gray: UInt8

    public init(gray: UInt8) {
        self.gray = gray
    }

    public static let white = BackgroundColor(gray: 255)
    public static let black = BackgroundColor(gray: 0)

    /// Parses `white`, `black` (any case, surrounding spaces ignored) or an integer grey
    /// level 0...255; nil for anything else.
    public init?(parsing text: String) {
        let word = text.trimmingCharacters(in: .whitespaces).lowercased()
        switch word {
        case "white": self = .white
        case "black": self = .black
        default:
            guard let value = UInt8(word) else { return nil }
            self.init(gray: value)
        }
    }

    /// "white", "black", or the grey level as a number: parses back with `init(parsing:)`.
    public var description: String {
        switch gray {
        case 255: return "white"
        case 0: return "black"
        default: return String(gray)
        }
    }
}
