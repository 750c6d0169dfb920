import PluginKit

/// The Graph connector's names for PluginKit's connector HTTP client (``BlockingHTTPClient``: timeouts,
/// cancellation, no redirect followed with credentials or to another origin) and its reply. Retry waits
/// come from PluginKit's ``RetryPolicy``.
typealias GraphHTTP = BlockingHTTPClient
typealias GraphResponse = HTTPReply
