/// The state's SQLite wrapper (`SQLiteDatabase`, `SQLiteValue`, `SQLiteError`) lives in the shared
/// `XaasSQLite` module (the emulator uses it too); re-exported so every Host file sees it.
@_exported import XaasSQLite
