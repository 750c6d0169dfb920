import PluginAPI

/// Reads and writes the structs the host lends a plugin by prefix: a field is used only when it lies
/// inside the `struct_size` the host gave (`XAAS_HAS_FIELD` in the header), so a plugin runs in hosts
/// built against older and newer 1.x headers alike.
enum HostStruct {
    /// The leading `struct_size`, read on its own.
    static func size<T>(_ pointer: UnsafePointer<T>) -> Int {
        UnsafeRawPointer(pointer).load(as: Int.self)
    }

    /// Whether the struct at `pointer` holds `field` entirely.
    static func has<T, V>(_ pointer: UnsafePointer<T>, _ field: KeyPath<T, V>) -> Bool {
        guard let offset = MemoryLayout<T>.offset(of: field) else { return false }
        return size(pointer) >= offset + MemoryLayout<V>.size
    }

    /// `field` of the struct at `pointer`, or `nil` when the struct is too short to hold it.
    static func read<T, V>(_ pointer: UnsafePointer<T>, _ field: KeyPath<T, V>) -> V? {
        guard has(pointer, field), let offset = MemoryLayout<T>.offset(of: field) else { return nil }
        return UnsafeRawPointer(pointer).load(fromByteOffset: offset, as: V.self)
    }

    /// The bytes of `value` that lie inside the target's `struct_size`, written over the target.
    static func writePrefix<T>(of value: T, to target: UnsafeMutablePointer<T>) {
        let count = min(size(UnsafePointer(target)), MemoryLayout<T>.size)
        withUnsafeBytes(of: value) { UnsafeMutableRawPointer(target).copyMemory(from: $0.baseAddress!, byteCount: count) }
    }
}
