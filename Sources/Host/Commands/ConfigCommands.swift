extension CommandLineTool {
    /// The `config` commands (filled in by that area).
    static let configCommands: [Command] = []
}
