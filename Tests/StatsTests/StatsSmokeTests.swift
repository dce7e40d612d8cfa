import Testing

@testable import Stats
