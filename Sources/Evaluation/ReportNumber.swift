/// How every number in krill's CSV reports is written: the shortest decimal that reads
/// back as the same value of its own type (Swift's `description`: `0.75`, `1e-05`,
/// `2700`), so files are exact, deterministic and readable by pandas as they are. Float
/// quantities (coordinates, distances) are written as Float, metrics as Double; counts as
/// integers. Non-finite values are written `nan`, `inf`, `-inf`.
public enum ReportNumber {
    public static func format(_ value: Double) -> String { value.description }
    public static func format(_ value: Float) -> String { value.description }
    public static func format(_ value: Int) -> String { String(value) }
}
