import Foundation

/// What one batch job asks Slurm for.
public struct SlurmResources: Sendable, Equatable {
    public var partition: String?
    /// `--cpus-per-task`.
    public var cpus: Int
    /// `--mem`, as sbatch reads it (`4G`, `500M`).
    public var memory: String?
    /// `--time`, as sbatch reads it (`30`, `2:00:00`, `1-12:00:00`); nil: the partition's default.
    public var time: String?
    /// Extra sbatch flags, verbatim (`--account=lab`, `--qos=long`).
    public var extra: [String]

    public init(partition: String? = nil, cpus: Int = 1, memory: String? = nil, time: String? = nil, extra: [String] = []) {
        self.partition = partition
        self.cpus = cpus
        self.memory = memory
        self.time = time
        self.extra = extra
    }

    /// A Slurm time limit in seconds: `M`, `M:S`, `H:M:S`, `D-H`, `D-H:M`, `D-H:M:S`; nil when unreadable.
    public static func seconds(ofTime text: String) -> Int? {
        var days = 0
        var rest = Substring(text)
        if let dash = text.firstIndex(of: "-") {
            guard let d = Int(text[..<dash]), d >= 0 else { return nil }
            days = d
            rest = text[text.index(after: dash)...]
        }
        let parts = rest.split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
        guard !parts.isEmpty, parts.count <= 3, parts.allSatisfy({ $0 != nil && $0! >= 0 }) else { return nil }
        let p = parts.map { $0! }
        if text.contains("-") {
            // D-H, D-H:M, D-H:M:S
            let h = p[0], m = p.count > 1 ? p[1] : 0, s = p.count > 2 ? p[2] : 0
            return ((days * 24 + h) * 60 + m) * 60 + s
        }
        switch p.count {
        case 1: return p[0] * 60
        case 2: return p[0] * 60 + p[1]
        default: return (p[0] * 60 + p[1]) * 60 + p[2]
        }
    }

    /// Whether `text` is a memory size sbatch reads: digits with an optional K, M, G or T.
    public static func isMemory(_ text: String) -> Bool {
        var digits = Substring(text)
        if let last = text.last, "KMGTkmgt".contains(last) { digits = text.dropLast() }
        return !digits.isEmpty && digits.allSatisfy(\.isNumber)
    }
}

/// Everything the Slurm executor needs beyond the DAG.
public struct SlurmSettings: Sendable {
    /// Resources by stage kind.
    public var resources: @Sendable (String) -> SlurmResources
    /// Shell lines run before krill in every job (`module load ...`).
    public var setup: [String]
    /// The command a job runs for a plan key (`/path/krill stage KEY --artifacts DIR`),
    /// already quoted for the shell.
    public var command: @Sendable (String) -> String
    /// The folder jobs start in (relative paths of the experiment are taken from it).
    public var directory: String
    /// Seconds between two looks at the queue.
    public var pollSeconds: Double
    /// Seconds before the time limit at which Slurm sends SIGUSR1, so that training saves
    /// a checkpoint and requeues itself (0: no signal).
    public var signalSeconds: Int
    /// Environment for the Slurm commands (`SLURM_CONF` in tests).
    public var environment: [String: String]

    public init(resources: @escaping @Sendable (String) -> SlurmResources, setup: [String] = [],
                command: @escaping @Sendable (String) -> String, directory: String, pollSeconds: Double = 5,
                signalSeconds: Int = 300, environment: [String: String] = [:]) {
        self.resources = resources
        self.setup = setup
        self.command = command
        self.directory = directory
        self.pollSeconds = pollSeconds
        self.signalSeconds = signalSeconds
        self.environment = environment
    }
}

/// Quotes a word for a POSIX shell (left bare when it is safe).
public func shellQuoted(_ word: String) -> String {
    let safe = !word.isEmpty && word.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:,@+%".contains($0) }
    return safe ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
