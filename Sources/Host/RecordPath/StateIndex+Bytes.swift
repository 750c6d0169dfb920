// TEMPORARY until the state branch lands its byte API.
extension StateIndex {
    func see(_ key: UnsafeRawBufferPointer) -> (entity: Int, first: Bool) {
        see(String(decoding: key, as: UTF8.self))
    }
}
