import Foundation
import TestSupport

/// A deliberately misbehaving C connector (``MisbehavingPlugin``, compiled in the test with `cc`):
/// `read_page` segfaults, aborts, calls `exit(3)`, or hangs on its first page.
enum CrashingPlugin {
    enum Mode: String, CaseIterable {
        case segv, abort, exit, hang

        var misbehaviour: MisbehavingPlugin.Mode {
            switch self {
            case .segv: .segv
            case .abort: .abort
            case .exit: .exit3
            case .hang: .hang
            }
        }
    }

    /// A C compiler; tests needing it skip when there is none.
    static var compiler: URL? { CPlugin.compiler }

    /// Compiles the plugin for `mode` into `directory`; returns the library's path.
    static func build(_ mode: Mode, in directory: URL) throws -> URL {
        try MisbehavingPlugin.build(mode.misbehaviour, in: directory)
    }
}
