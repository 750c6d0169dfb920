extension CommandLineTool {
    /// The `sync` commands (filled in by that area).
    static let syncCommands: [Command] = []
}
