/// Placeholder: the Okta XaaS emulator lands here.
public enum EmulatorModule {}
