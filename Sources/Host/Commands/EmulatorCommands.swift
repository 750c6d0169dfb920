extension CommandLineTool {
    /// The `emulator` commands (filled in by that area).
    static let emulatorCommands: [Command] = []
}
