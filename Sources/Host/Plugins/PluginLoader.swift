import Foundation
import Glibc
import PluginAPI
import Synchronization
import XaasJSON

/// Loads plugin shared objects and checks them against the host's ABI.
///
/// `dlopen(RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE)`, `dlsym` on that handle, never `dlclose`.
/// Successful loads are cached by real path (process-wide, like the dynamic linker itself).
enum PluginLoader {
    /// Loaded plugins by real path. Guarded by the mutex; entries are never removed.
    private static let cache = Mutex<[String: LoadedPlugin]>([:])

    /// The smallest descriptor this host accepts: every field up to and including `ops`.
    static let minimumDescriptorSize = MemoryLayout<xaas_plugin_descriptor>.offset(of: \.ops)!
        + MemoryLayout<UnsafeRawPointer>.size
    /// The smallest operations table this host accepts: up to and including `close` (all of v1.0).
    static let minimumOpsSize = MemoryLayout<xaas_plugin_ops>.offset(of: \.close)!
        + MemoryLayout<UnsafeRawPointer>.size

    /// Loads the plugin at `path` (any form; it is resolved to a real path first).
    static func load(path: String) throws(PluginError) -> LoadedPlugin {
        guard let resolved = realpath(path, nil) else {
            throw PluginError(.load, "\(path): \(String(cString: strerror(errno)))")
        }
        let realPath = String(cString: resolved)
        free(resolved)
        if let cached = cache.withLock({ $0[realPath] }) { return cached }
        try checkFile(realPath)
        guard let handle = dlopen(realPath, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown dlopen error"
            throw PluginError(.load, "\(realPath): cannot load: \(reason)")
        }
        // Never dlclose: a Swift image registers metadata with the runtime that must stay mapped.
        guard let symbol = dlsym(handle, XAAS_PLUGIN_ENTRY_V1) else {
            throw PluginError(.load, "\(realPath): does not export \(XAAS_PLUGIN_ENTRY_V1) "
                + "(not an xaas plugin, or its entry point is not public)")
        }
        typealias Entry = @convention(c) (UnsafePointer<xaas_host_info>?) -> UnsafePointer<xaas_plugin_descriptor>?
        let entry = unsafeBitCast(symbol, to: Entry.self)
        let descriptor = XaasVersion.current.withCString { version in
            HostRuntime.identifier.withCString { runtime in
                var info = xaas_host_info(
                    struct_size: MemoryLayout<xaas_host_info>.size, abi_major: UInt32(XAAS_ABI_MAJOR),
                    abi_minor: UInt32(XAAS_ABI_MINOR), host_version: version, runtime: runtime)
                return entry(&info)
            }
        }
        let plugin = try validate(descriptor: descriptor, path: realPath)
        return cache.withLock { cache in
            if let earlier = cache[realPath] { return earlier }
            cache[realPath] = plugin
            return plugin
        }
    }

    /// Refuses files that are unsafe to load or cannot be shared objects, saying why.
    static func checkFile(_ path: String) throws(PluginError) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw PluginError(.load, "\(path): \(String(cString: strerror(errno)))")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw PluginError(.load, "\(path): not a regular file")
        }
        if info.st_uid != 0 && info.st_uid != geteuid() {
            throw PluginError(.load, "\(path): refusing to load a plugin owned by uid \(info.st_uid) "
                + "(only root or the current user, uid \(geteuid()), may own plugins)")
        }
        let mode = info.st_mode & 0o7777
        if mode & 0o022 != 0 {
            throw PluginError(.load, "\(path): refusing to load a plugin writable by group or others "
                + "(mode \(String(mode, radix: 8))); run 'chmod go-w' on it")
        }
        let directory = (path as NSString).deletingLastPathComponent
        var dirInfo = stat()
        if stat(directory.isEmpty ? "/" : directory, &dirInfo) == 0, dirInfo.st_mode & 0o002 != 0 {
            throw PluginError(.load, "\(path): refusing to load a plugin from a directory writable by others "
                + "(\(directory), mode \(String(dirInfo.st_mode & 0o7777, radix: 8))); anyone could replace it")
        }
        guard let file = fopen(path, "rb") else {
            throw PluginError(.load, "\(path): cannot read: \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        var header = [UInt8](repeating: 0, count: 18)
        let count = fread(&header, 1, header.count, file)
        guard count == header.count, header[0 ..< 4] == [0x7F, 0x45, 0x4C, 0x46] else {
            throw PluginError(.load, "\(path): not a shared object (no ELF header)")
        }
        // e_type is at offset 16; ET_DYN = 3. Little- or big-endian per EI_DATA (offset 5).
        let type = header[5] == 2 ? UInt16(header[16]) << 8 | UInt16(header[17])
            : UInt16(header[17]) << 8 | UInt16(header[16])
        guard type == 3 else {
            throw PluginError(.load, "\(path): not a shared object (ELF type \(type), expected ET_DYN)")
        }
    }

    /// Checks a descriptor returned by an entry point and copies its facts out.
    static func validate(descriptor raw: UnsafePointer<xaas_plugin_descriptor>?, path: String) throws(PluginError)
        -> LoadedPlugin {
        func refuse(_ message: String) -> PluginError { PluginError(.abi, "\(path): \(message)") }
        guard let raw else {
            throw refuse("\(XAAS_PLUGIN_ENTRY_V1) returned NULL: the plugin does not serve ABI major \(XAAS_ABI_MAJOR)")
        }
        let size = structSize(raw)
        guard size >= minimumDescriptorSize else {
            throw refuse("descriptor.struct_size: host needs at least \(minimumDescriptorSize), plugin has \(size)")
        }
        var d = xaas_plugin_descriptor()
        copyPrefix(of: raw, size: size, into: &d)
        guard d.abi_major == UInt32(XAAS_ABI_MAJOR) else {
            throw refuse("descriptor.abi_major: host \(XAAS_ABI_MAJOR), plugin \(d.abi_major)")
        }
        func string(_ pointer: UnsafePointer<CChar>?, _ field: String, required: Bool = true) throws(PluginError)
            -> String {
            guard let pointer else {
                if required { throw refuse("descriptor.\(field) is NULL") }
                return ""
            }
            return String(cString: pointer)
        }
        let runtime = try string(d.runtime, "runtime")
        guard runtime == HostRuntime.plainC || runtime == HostRuntime.identifier else {
            throw refuse("descriptor.runtime: host \(HostRuntime.identifier), plugin \(runtime) "
                + "(Swift plugins must be built by the host's toolchain)")
        }
        let name = try string(d.name, "name")
        guard !name.isEmpty, name.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D })
        else { throw refuse("descriptor.name: '\(name)' must match [a-z0-9-]+") }
        let id = try string(d.id, "id")
        let version = try string(d.version, "version")
        let schema = try string(d.settings_schema_json, "settings_schema_json")
        let parsedSchema: JSONValue
        do { parsedSchema = try JSONValue.parse(schema) } catch {
            throw refuse("descriptor.settings_schema_json: invalid JSON: \(error)")
        }
        guard case .object = parsedSchema else { throw refuse("descriptor.settings_schema_json: not a JSON object") }
        guard let opsPointer = d.ops else { throw refuse("descriptor.ops is NULL") }
        let opsSize = structSize(opsPointer)
        guard opsSize >= minimumOpsSize else {
            throw refuse("ops.struct_size: host needs at least \(minimumOpsSize), plugin has \(opsSize)")
        }
        var ops = xaas_plugin_ops()
        copyPrefix(of: opsPointer, size: opsSize, into: &ops)
        if ops.open == nil { throw refuse("ops.open is NULL (mandatory)") }
        if ops.read_page == nil { throw refuse("ops.read_page is NULL (mandatory)") }
        if ops.release_page == nil { throw refuse("ops.release_page is NULL (mandatory)") }
        if ops.close == nil { throw refuse("ops.close is NULL (mandatory)") }
        let capabilities = PluginCapabilities(rawValue: d.capabilities)
        if capabilities.contains(.check), ops.check == nil { throw refuse("ops.check is NULL but capabilities include check") }
        if capabilities.contains(.discover), ops.discover == nil {
            throw refuse("ops.discover is NULL but capabilities include discover")
        }
        if capabilities.contains(.cancel), ops.cancel == nil { throw refuse("ops.cancel is NULL but capabilities include cancel") }
        return LoadedPlugin(
            path: path, name: name, id: id, version: version, abiVersion: "\(d.abi_major).\(d.abi_minor)",
            abiMinor: d.abi_minor,
            runtime: runtime, description: try string(d.description, "description", required: false),
            sourceKind: try string(d.source_kind, "source_kind", required: false), capabilities: capabilities,
            settingsSchema: schema, descriptor: raw, ops: ops)
    }

    /// The leading `struct_size` of a plugin struct, read on its own (the rest may be shorter than
    /// the host's `sizeof`, so the host never loads the whole struct to learn its size).
    static func structSize<T>(_ pointer: UnsafePointer<T>) -> Int {
        UnsafeRawPointer(pointer).load(as: Int.self)
    }

    /// Copies the first `min(size, sizeof(T))` bytes of `source` into the zero-initialised `target`.
    private static func copyPrefix<T>(of source: UnsafePointer<T>, size: Int, into target: inout T) {
        let count = min(size, MemoryLayout<T>.size)
        withUnsafeMutableBytes(of: &target) { $0.copyMemory(from: UnsafeRawBufferPointer(start: source, count: count)) }
    }
}
