import Formats
import Testing

@testable import Explorer

extension State {
  /// Each selected format with its key and its result, expecting the result to be there and
  /// exact: a format without one is recorded as a test issue and left out.
  func exactResultsOfSelectedFormats(
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws -> [(choice: FormatChoice, key: QuantKey, result: QuantResult)] {
    var results: [(choice: FormatChoice, key: QuantKey, result: QuantResult)] = []
    for choice in selectedFormats {
      let key = try #require(self.key(choice), sourceLocation: sourceLocation)
      guard case .done(let result)? = self.results[key] else {
        Issue.record("no result for \(choice.id)", sourceLocation: sourceLocation)
        continue
      }
      #expect(!result.isEstimate, "\(choice.id)", sourceLocation: sourceLocation)
      results.append((choice, key, result))
    }
    return results
  }
}
