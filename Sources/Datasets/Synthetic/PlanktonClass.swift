/// The catalogue of synthetic plankton classes, in their fixed order: a generator with
/// `classes: N` uses the first N. Raw values are the class indices.
public enum PlanktonClass: Int, CaseIterable, Sendable {
    /// Ellipsoid body (prosome) with a narrow tail (urosome), long antennae and legs.
    case copepod
    /// Arrow worm: a long thin body with a head, grasping spines, lateral and tail fins.
    case chaetognath
    /// A detached appendicularian tail: a wavy band of uniform width with a dark notochord.
    case appendicularianTail
    /// A broken-off chaetognath tail: nearly straight, tapering, with a fin fragment.
    /// Deliberately confusable with `appendicularianTail`.
    case chaetognathTail
    /// Noctiluca: a large, faint disc with a membrane, a cytoplasm blob and strands.
    case noctiluca
    /// A foraminiferan test: a spiral of growing chambers.
    case foraminifera
    /// A phaeodarian: a dark central capsule with radiating spines.
    case phaeodaria
    /// A small smooth ellipse, sometimes with a chorion and an embryo inside.
    case egg
    /// A pear-shaped larva with three pairs of legs.
    case nauplius
    /// A bean-shaped bivalved crustacean. Deliberately confusable with `egg`.
    case ostracod
    /// A translucent barrel with muscle bands and a dark gut nucleus.
    case salp
    /// Two or three smaller, overlapping objects drawn from the other classes.
    case multiple
    /// A crab or shrimp larva: carapace, big eye, long dorsal and rostral spines, curved abdomen.
    case zoea

    /// Lowercase identifier, usable as a folder name.
    public var name: String {
        switch self {
        case .copepod: return "copepod"
        case .chaetognath: return "chaetognath"
        case .appendicularianTail: return "appendicularia_tail"
        case .chaetognathTail: return "chaetognatha_tail"
        case .noctiluca: return "noctiluca"
        case .foraminifera: return "foraminifera"
        case .phaeodaria: return "phaeodaria"
        case .egg: return "egg"
        case .nauplius: return "nauplius"
        case .ostracod: return "ostracod"
        case .salp: return "salp"
        case .multiple: return "multiple"
        case .zoea: return "zoea"
        }
    }

    /// Pairs drawn to look alike, like the two tail classes of ZooScanNet.
    public static let confusablePairs: [(PlanktonClass, PlanktonClass)] = [
        (.appendicularianTail, .chaetognathTail),
        (.egg, .ostracod),
    ]

    /// Body length as a fraction of the picture side (appendages and spines reach further).
    /// Small organisms stay small, as in ZooScan vignettes of one scan resolution.
    var lengthRange: ClosedRange<Float> {
        switch self {
        case .copepod: return 0.42...0.72
        case .chaetognath: return 0.65...0.95
        case .appendicularianTail: return 0.50...0.90
        case .chaetognathTail: return 0.45...0.85
        case .noctiluca: return 0.45...0.80
        case .foraminifera: return 0.24...0.42
        case .phaeodaria: return 0.45...0.80
        case .egg: return 0.14...0.30
        case .nauplius: return 0.22...0.38
        case .ostracod: return 0.18...0.34
        case .salp: return 0.50...0.85
        case .multiple: return 1...1   // unused: its parts use their own classes' ranges
        case .zoea: return 0.38...0.60
        }
    }

    /// Ink density range of the body, 0...1 (0.35...0.95 for most; Noctiluca is faint).
    var inkRange: ClosedRange<Float> {
        switch self {
        case .noctiluca: return 0.10...0.28
        case .foraminifera, .ostracod: return 0.60...0.95
        case .salp: return 0.35...0.65
        case .chaetognath, .appendicularianTail, .chaetognathTail: return 0.40...0.85
        default: return 0.45...0.95
        }
    }
}
