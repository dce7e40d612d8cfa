import TensorIO

/// The excess kurtosis of a tensor's finite elements, m₄/m₂² − 3 (0 for a normal, 6/(ν − 4) for
/// Student's t): the tail weight the rotation lab shows before and after a rotation.
public enum Kurtosis {
  /// Two passes in Float64 (mean, then central moments); nil without two distinct finite values.
  public static func excess(of tensor: Tensor) -> Double? {
    let values = tensor.decodedValues()
    var count = 0
    var sum = 0.0
    for value in values where value.isFinite {
      count += 1
      sum += Double(value)
    }
    guard count > 1 else { return nil }
    let mean = sum / Double(count)
    var second = 0.0
    var fourth = 0.0
    for value in values where value.isFinite {
      let deviation = Double(value) - mean
      let square = deviation * deviation
      second += square
      fourth += square * square
    }
    guard second > 0 else { return nil }
    let m2 = second / Double(count)
    return fourth / Double(count) / (m2 * m2) - 3
  }
}
