import EmbeddedEmulator
import Foundation
import Host

/// The `xaas` command: a thin entry point over the Host library, with the emulator wired in
/// (embedded orgs, `xaas bench`, `xaas emulator`).
@main
struct Entrypoint {
    static func main() async {
        EmbeddedEmulator.install()
        let code = await CommandLineTool.run(arguments: Array(CommandLine.arguments.dropFirst()),
                                             extraCommands: EmbeddedEmulator.commands)
        exit(code)
    }
}
