import Foundation
import Host

/// The `xaas` command: a thin entry point over the Host library.
@main
struct Entrypoint {
    static func main() async {
        let code = await CommandLineTool.run(arguments: Array(CommandLine.arguments.dropFirst()))
        exit(code)
    }
}
