import Emulator
import Foundation
import Testing

/// The emulator settings that exercise OAuth clients: the resource server's DPoP nonce and a skewed clock.
@Suite("Emulator OAuth settings: resourceDPoPNonce, resourceDPoPNonceSeconds, clockSkewSeconds")
struct OAuthOptionsTests {
    @Test("the settings parse, default off, and bad values name their JSON path")
    func parse() throws {
        let config = try EmulatorConfiguration.parse(json: """
            {"clockSkewSeconds": -90, "orgs": [{"name": "acme", "resourceDPoPNonce": true, "resourceDPoPNonceSeconds": 120},
                                               {"name": "beta"}]}
            """)
        #expect(config.clockSkewSeconds == -90)
        #expect(config.orgs[0].resourceDPoPNonce && config.orgs[0].resourceDPoPNonceSeconds == 120)
        #expect(!config.orgs[1].resourceDPoPNonce && config.orgs[1].resourceDPoPNonceSeconds == 0)
        #expect(EmulatorConfiguration.demo().clockSkewSeconds == 0)
        for (json, path) in [
            (#"{"orgs": [{"name": "a", "resourceDPoPNonce": "yes"}]}"#, "orgs[0].resourceDPoPNonce"),
            (#"{"orgs": [{"name": "a", "resourceDPoPNonceSeconds": -1}]}"#, "orgs[0].resourceDPoPNonceSeconds"),
            (#"{"clockSkewSeconds": "1h", "orgs": [{"name": "a"}]}"#, "clockSkewSeconds"),
        ] {
            #expect(throws: EmulatorConfigurationError.self) { _ = try EmulatorConfiguration.parse(json: json) }
            do { _ = try EmulatorConfiguration.parse(json: json) } catch {
                #expect("\(error)".contains(path), "\(error)")
            }
        }
    }
}
