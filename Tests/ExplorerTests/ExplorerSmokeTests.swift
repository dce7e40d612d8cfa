import Testing

@testable import Explorer
