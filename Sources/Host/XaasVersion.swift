/// The version of xaas itself.
public enum XaasVersion {
    public static let current = "0.1.0"
}
