import ArgumentParser

/// Bad usage or bad input that is not a model-file problem: one line, exit status 2.
struct UsageError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

/// A failure while working (not the user's input): one line, exit status 1.
struct WorkFailure: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}
