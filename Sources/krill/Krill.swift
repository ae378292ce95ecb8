import ArgumentParser
import Foundation

/// The `krill` command: reproducible metric-learning experiments on plankton images.
struct Krill: ParsableCommand {
    static let version = "0.1.0"

    /// This binary's absolute path (what cluster jobs run: it must be on the shared filesystem).
    static var executablePath: String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    }

    static let configuration = CommandConfiguration(
        commandName: "krill",
        abstract: "Reproducible metric-learning experiments on plankton images.",
        discussion: """
        krill embeds plankton images with a triplet network and evaluates the embeddings \
        (t-SNE, SVM, k-means, zero-shot). See README.md and experiments/README.md.

        Exit codes: 0 success, 1 a stage failed, 2 a usage or config error.
        """,
        version: "krill \(Krill.version)",
        subcommands: [SynthCommand.self, InspectCommand.self, BenchCommand.self, RunCommand.self, StatusCommand.self, DagCommand.self, DiffCommand.self, CompareCommand.self, RunsCommand.self,
                      GcCommand.self, VerifyCommand.self, EmbedCommand.self, ClassifyCommand.self, ExportCommand.self, StageCommand.self]
    )
}

/// A failure a command reports itself, with its exit code (0, 1, 2, 128 + signal).
enum CommandFailure: Error, CustomStringConvertible {
    /// Bad arguments, config or input named by the user: exit 2.
    case usage(String)
    /// The work itself failed: exit 1.
    case failed(String)
    /// SIGINT or SIGTERM stopped the work: exit 128 + signal (130, 143).
    case interrupted(signal: Int32, message: String)

    var description: String {
        switch self {
        case .usage(let m), .failed(let m), .interrupted(_, let m): return m
        }
    }

    var exitCode: Int32 {
        switch self {
        case .usage: return 2
        case .failed: return 1
        case .interrupted(let signal, _): return 128 + signal
        }
    }
}

@main
enum Main {
    static func main() {
        do {
            var command = try Krill.parseAsRoot()
            try command.run()
        } catch let failure as CommandFailure {
            FileHandle.standardError.write(Data("krill: \(failure)\n".utf8))
            exit(failure.exitCode)
        } catch {
            let code = Krill.exitCode(for: error)
            if code == .validationFailure {
                // Usage errors exit 2, as every other config error does.
                FileHandle.standardError.write(Data((Krill.fullMessage(for: error) + "\n").utf8))
                exit(2)
            }
            Krill.exit(withError: error)
        }
    }
}
