import Foundation
import Glibc

/// A child process started in its own process group (so a SIGKILL reaches the whole tree: `xaas sync` and
/// any worker or plugin child it started), with stdout and stderr captured to files.
final class ProcessGroup {
    let pid: pid_t
    let stdoutURL: URL
    let stderrURL: URL
    private(set) var exitStatus: Int32?
    /// True when the process ended by a signal (the harness's SIGKILL or a failpoint).
    private(set) var signalled = false

    /// Starts `executable` with `arguments` and `environment` added to this process's environment.
    init(_ executable: URL, _ arguments: [String], environment: [String: String], outputPrefix: URL) throws {
        stdoutURL = outputPrefix.appendingPathExtension("out")
        stderrURL = outputPrefix.appendingPathExtension("err")
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutURL.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderrURL.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let env = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0)=\($1)" }
        let argv = [executable.path] + arguments
        var child: pid_t = 0
        let status = withCStrings(argv) { cArgv in
            withCStrings(env) { cEnv in posix_spawn(&child, executable.path, &actions, &attributes, cArgv, cEnv) }
        }
        guard status == 0 else { throw POSIXError(POSIXErrorCode(rawValue: status) ?? .EIO) }
        pid = child
    }

    /// Every descendant seen so far (workers run in their own process groups, so the group alone misses them).
    private var descendants: Set<pid_t> = []

    /// SIGKILL to the process, its group, and every descendant (each in its own group too). Everything is
    /// first stopped (SIGSTOP) until the tree no longer grows: a worker the parent spawns while the tree is
    /// listed would otherwise escape, orphaned, and hold the source lock against the next run.
    func killTree() {
        var known = -1
        while known != descendants.count {
            known = descendants.count
            kill(-pid, SIGSTOP)
            for child in descendants { kill(-child, SIGSTOP); kill(child, SIGSTOP) }
            recordDescendants()
        }
        kill(-pid, SIGKILL)
        for child in descendants {
            kill(child, SIGKILL)
            kill(-child, SIGKILL)
        }
    }

    private func recordDescendants() {
        let parents = Self.parentTable()
        var frontier: Set<pid_t> = [pid]
        frontier.formUnion(descendants)
        var changed = true
        while changed {
            changed = false
            for (child, parent) in parents where frontier.contains(parent) && !frontier.contains(child) {
                frontier.insert(child)
                changed = true
            }
        }
        frontier.remove(pid)
        descendants.formUnion(frontier)
    }

    /// pid → ppid of every live (non-zombie) process.
    private static func parentTable() -> [pid_t: pid_t] {
        var out: [pid_t: pid_t] = [:]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] where entry.first?.isNumber == true {
            guard let fields = statFields(entry), fields.count > 1, fields[0] != "Z", fields[0] != "X",
                  let me = pid_t(entry), let parent = pid_t(fields[1]) else { continue }
            out[me] = parent
        }
        return out
    }

    /// The fields of /proc/PID/stat after the command name: state, ppid, pgrp, …
    private static func statFields(_ entry: String) -> [Substring]? {
        guard let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        return stat[stat.index(after: close)...].split(separator: " ")
    }

    private static func isLive(_ pid: pid_t) -> Bool {
        guard let fields = statFields(String(pid)), let state = fields.first else { return false }
        return state != "Z" && state != "X"
    }

    /// Polls until the process ends or `seconds` pass; returns whether it ended.
    @discardableResult
    func wait(seconds: Double) -> Bool {
        if exitStatus != nil { return true }
        let deadline = Date().addingTimeInterval(seconds)
        var polls = 0
        while true {
            if polls % 10 == 0 { recordDescendants() }
            polls += 1
            var status: Int32 = 0
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid {
                if status & 0x7f == 0 { exitStatus = (status >> 8) & 0xff } else { signalled = true; exitStatus = -1 }
                // End what remains of the group (a worker whose parent died) and wait until it is gone, so
                // the next run does not meet a dying worker that still holds the source lock.
                killTree()
                waitGroupGone(until: Date().addingTimeInterval(30))
                return true
            }
            if Date() >= deadline { return false }
            usleep(5_000)
        }
    }

    /// Polls /proc until no descendant seen and no member of the group is alive.
    private func waitGroupGone(until deadline: Date) {
        while Date() < deadline, descendants.contains(where: Self.isLive) || Self.liveMembers(ofGroup: pid) > 0 {
            usleep(5_000)
        }
    }

    static func liveMembers(ofGroup group: pid_t) -> Int {
        var count = 0
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] where entry.first?.isNumber == true {
            if let fields = statFields(entry), fields.count > 2, fields[0] != "Z", fields[0] != "X",
               Int32(fields[2]) == group { count += 1 }
        }
        return count
    }

    var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    deinit {
        if exitStatus == nil {
            killTree()
            wait(seconds: 10)
        }
    }
}

/// Calls `body` with a NULL-terminated C array of the strings.
private func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    let pointers = strings.map { strdup($0) } + [nil]
    defer { pointers.forEach { free($0) } }
    return body(pointers)
}
