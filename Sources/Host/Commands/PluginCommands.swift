extension CommandLineTool {
    /// The `plugin` commands (filled in by that area).
    static let pluginCommands: [Command] = []
}
