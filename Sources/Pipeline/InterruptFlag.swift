import Foundation

/// The process-wide "stop" request of SIGINT or SIGTERM. The command line installs the
/// signal handlers (`installHandlers`); running executors observe the flag, stop starting
/// stages, let stages that stop gracefully reach a safe point, and report where the run
/// stopped. A second signal ends the process at once.
public final class InterruptFlag: @unchecked Sendable {
    public static let shared = InterruptFlag()

    private let lock = NSLock()
    private var signalNumber: Int32 = 0
    private var observers: [Int: @Sendable () -> Void] = [:]
    private var nextToken = 0
    private var sources: [DispatchSourceSignal] = []

    /// The signal that asked to stop, or nil.
    public var requested: Int32? {
        lock.lock()
        defer { lock.unlock() }
        return signalNumber == 0 ? nil : signalNumber
    }

    /// Records a stop request and tells the observers (tests call this directly).
    public func request(_ signal: Int32) {
        lock.lock()
        if signalNumber == 0 { signalNumber = signal }
        let toCall = Array(observers.values)
        lock.unlock()
        for f in toCall { f() }
    }

    /// Clears the request (tests).
    public func reset() {
        lock.lock()
        signalNumber = 0
        lock.unlock()
    }

    /// Calls `f` on every request until `removeObserver(token)`.
    public func observe(_ f: @escaping @Sendable () -> Void) -> Int {
        lock.lock()
        defer { lock.unlock() }
        nextToken += 1
        observers[nextToken] = f
        return nextToken
    }

    public func removeObserver(_ token: Int) {
        lock.lock()
        observers[token] = nil
        lock.unlock()
    }

    /// Turns SIGINT and SIGTERM (and any other `signals`, e.g. Slurm's SIGUSR1 before a
    /// time limit) into stop requests. The first one calls `onFirst` (e.g. to end a
    /// progress line) and requests a stop; a second one exits at once with 128 + signal.
    public func installHandlers(signals: [Int32] = [SIGINT, SIGTERM], onFirst: @escaping @Sendable (Int32) -> Void = { _ in }) {
        for sig in signals {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global(qos: .userInteractive))
            source.setEventHandler { [self] in
                if requested != nil { _exit(128 + sig) }
                onFirst(sig)
                request(sig)
            }
            source.resume()
            lock.lock()
            sources.append(source)
            lock.unlock()
        }
    }
}
