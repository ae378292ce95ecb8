import Foundation
import Storage

/// One unit of cached work. The engine knows nothing of what a stage computes: only its
/// kind, version, parameters and inputs (which make its key), and a body that writes files.
public protocol Stage: Sendable {
    /// Stage kind, e.g. `split` (a folder name under `cache/stages/`).
    var kind: String { get }
    /// Bumped whenever the stage's output for the same inputs would change.
    var version: Int { get }
    /// The resolved parameters this stage reads, and nothing else.
    var params: JSONValue { get }
    /// Names of the upstream nodes whose outputs this stage reads.
    var inputs: [String] { get }
    /// Where the stage's files appear in a run folder: maps a file path inside the stage
    /// output to a path in the run folder, or nil to keep it out of run folders.
    func publishedPath(of file: String) -> String?
    /// Computes the outputs into `context.work`. May resume from files a previous,
    /// interrupted attempt left there.
    func run(_ context: StageContext) throws
    /// What an interrupted attempt left in `work`, for `krill status` ("resumable after
    /// epoch 3"); nil when the stage cannot tell.
    func describePartial(work: URL) -> String?
    /// Whether a file an interrupted attempt left in the work folder is a checkpoint to
    /// resume from. Everything else is deleted before the body runs again, so a commit
    /// never holds leftovers of an earlier attempt. Default: nothing is kept.
    func keepsOnResume(_ path: String) -> Bool
    /// Whether the body checks `StageContext.stopRequested` and stops at a safe point
    /// (throwing `StageInterrupted`) when asked. Stages that do not are simply abandoned on
    /// SIGINT/SIGTERM: every file they write is atomic, and their work folder is cleared
    /// before they run again.
    var stopsGracefully: Bool { get }
    /// A few words on what a committed output holds, for the line printed when the stage
    /// is committed (`loss 0.31, ...`); nil for none.
    func outcome(_ output: CommittedStage) -> String?
}

extension Stage {
    public func describePartial(work: URL) -> String? { nil }
    public func keepsOnResume(_ path: String) -> Bool { false }
    public var stopsGracefully: Bool { false }
    public func outcome(_ output: CommittedStage) -> String? { nil }
}

/// Thrown by a stage body that stopped at a safe point because `stopRequested` became
/// true; `detail` says where (`epoch 3, step 12 of 60, checkpoint saved`).
public struct StageInterrupted: Error, CustomStringConvertible {
    public let detail: String
    public init(detail: String) { self.detail = detail }
    public var description: String { "interrupted: \(detail)" }
}

/// What a running stage sees.
public struct StageContext: Sendable {
    /// The node's name in the DAG (`embed@5`).
    public let node: String
    /// The work folder to write outputs (and resumable checkpoints) into.
    public let work: URL
    /// Committed outputs of the inputs, by node name.
    public let inputs: [String: CommittedStage]
    /// Whether `work` already held files from an interrupted attempt.
    public let resuming: Bool
    /// Progress lines and redrawn status for people (stderr).
    public let progress: ProgressSink
    /// True once SIGINT or SIGTERM asked the run to stop (see `Stage.stopsGracefully`).
    public let stopRequested: @Sendable () -> Bool
    /// The store's side blobs (`ArtifactStore.writeBlob`); blobs written through
    /// `writeBlob` are recorded in the entry's manifest.
    public let blobs: BlobRecorder?

    /// Stores a side blob for this entry (see `Manifest.blobs`); returns its SHA-256.
    public func writeBlob(_ data: Data) throws -> String {
        guard let blobs else { throw PipelineError.io("\(node): no blob store") }
        return try blobs.write(data)
    }

    /// A side blob by SHA-256, or nil when absent.
    public func readBlob(_ sha256: String) -> Data? { blobs?.store.readBlob(sha256) }

    public init(node: String, work: URL, inputs: [String: CommittedStage], resuming: Bool, progress: ProgressSink,
                stopRequested: @escaping @Sendable () -> Bool = { InterruptFlag.shared.requested != nil },
                blobs: BlobRecorder? = nil) {
        self.node = node
        self.work = work
        self.inputs = inputs
        self.resuming = resuming
        self.progress = progress
        self.stopRequested = stopRequested
        self.blobs = blobs
    }

    /// The committed output of `name` if it is committed (an input, or any node committed
    /// before this one, such as earlier epochs of a chain), else nil.
    public func committed(_ name: String) -> CommittedStage? { inputs[name] }

    /// The committed folder of input `name`.
    public func input(_ name: String) -> CommittedStage {
        guard let c = inputs[name] else { preconditionFailure("stage \(node) reads undeclared input \(name)") }
        return c
    }
}

/// Writes side blobs for one stage execution and remembers their digests for its manifest.
public final class BlobRecorder: @unchecked Sendable {
    public let store: ArtifactStore
    private let lock = NSLock()
    private var written: [String] = []

    public init(store: ArtifactStore) { self.store = store }

    public func write(_ data: Data) throws -> String {
        let sha = try store.writeBlob(data)
        lock.lock()
        if !written.contains(sha) { written.append(sha) }
        lock.unlock()
        return sha
    }

    public var digests: [String] { lock.lock(); defer { lock.unlock() }; return written }
}

/// A stage output in the cache: its folder and manifest.
public struct CommittedStage: Sendable {
    public let folder: URL
    public let manifest: Manifest

    public func file(_ path: String) -> URL { folder.appendingPathComponent(path) }
}

/// Where progress goes. `line` is a finished line; `status` a line redrawn in place on a terminal.
public protocol ProgressSink: Sendable {
    func line(_ text: String)
    func status(_ text: String)
}

/// A sink that drops everything (tests).
public struct SilentProgress: ProgressSink {
    public init() {}
    public func line(_ text: String) {}
    public func status(_ text: String) {}
}
