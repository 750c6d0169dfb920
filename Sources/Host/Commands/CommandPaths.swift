import Foundation

/// The directories every command resolves the same way (one home for `sync`, `serve`, `status`,
/// `config check`, `okta whoami`):
/// - `--config DIR`: default ``ConfigDirectory/defaultPath`` (`./connectors.d`);
/// - `--state DIR`: default ``ConfigDirectory/defaultStateDirectory(for:)`` (`<config>/../.xaas/`).
/// Both come back absolute and standardized, so workers (which run in the same directory but are handed
/// paths in their job) and messages see the same path.
extension Arguments {
    /// `--config DIR`, or `./connectors.d`.
    public func configDirectory() throws(UsageError) -> URL {
        (try value("--config").map { URL(fileURLWithPath: $0) } ?? ConfigDirectory.defaultPath).standardizedFileURL
    }

    /// `--state DIR`, or the default state directory beside `config`.
    public func stateDirectory(config: URL) throws(UsageError) -> URL {
        (try value("--state").map { URL(fileURLWithPath: $0) } ?? ConfigDirectory.defaultStateDirectory(for: config))
            .standardizedFileURL
    }

    /// `--log-format text|json` and `--log-level LEVEL` (else `XAAS_LOG_LEVEL`), for commands that log.
    func logWriter() throws(UsageError) -> LogWriter {
        try LogWriter(format: value("--log-format"), level: value("--log-level"))
    }
}
