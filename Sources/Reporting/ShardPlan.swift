/// How `report --shard I/N` splits a model: contiguous runs of tensors (in file order) with about
/// equal element counts, so shards read neighbouring bytes and `merge` restores file order by
/// concatenating parts in shard order.
public struct ShardPlan: Equatable, Sendable {
  public let shard: ShardInfo

  /// Parses `I/N` with 1 ≤ I ≤ N. Returns nil for anything else.
  public init?(parsing text: String) {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]),
      count >= 1, index >= 1, index <= count
    else { return nil }
    shard = ShardInfo(index: index, count: count)
  }

  public init(shard: ShardInfo) { self.shard = shard }

  /// The shard a Slurm array task stands for, from `SLURM_ARRAY_TASK_ID` / `SLURM_ARRAY_TASK_COUNT`
  /// (and `SLURM_ARRAY_TASK_MIN`, so arrays numbered from 0 or 1 both work). Nil outside an array job;
  /// a description of the problem when the variables are inconsistent.
  public static func fromSlurm(_ environment: [String: String]) -> Result<ShardPlan, SlurmShardError>? {
    guard let idText = environment["SLURM_ARRAY_TASK_ID"], let countText = environment["SLURM_ARRAY_TASK_COUNT"]
    else { return nil }
    let minimum = environment["SLURM_ARRAY_TASK_MIN"].flatMap { Int($0) } ?? 0
    guard let id = Int(idText), let count = Int(countText), count >= 1, id - minimum >= 0, id - minimum < count
    else {
      return .failure(
        SlurmShardError(
          description:
            "SLURM_ARRAY_TASK_ID=\(idText) with SLURM_ARRAY_TASK_COUNT=\(countText) is not a shard (expected ids from SLURM_ARRAY_TASK_MIN on)"
        ))
    }
    return .success(ShardPlan(shard: ShardInfo(index: id - minimum + 1, count: count)))
  }

  /// The positions (into `elementCounts`) this shard covers: cut points where the running element
  /// count crosses k/N of the total, so every tensor is in exactly one shard.
  public func positions(elementCounts: [Int]) -> Range<Int> {
    let total = elementCounts.reduce(0) { $0 + max($1, 1) }
    func cut(_ k: Int) -> Int {
      if k == 0 { return 0 }
      if k == shard.count { return elementCounts.count }
      let target = Double(total) * Double(k) / Double(shard.count)
      var running = 0
      for (position, count) in elementCounts.enumerated() {
        // A tensor belongs to the shard its midpoint falls in.
        if Double(running) + Double(max(count, 1)) / 2 >= target { return position }
        running += max(count, 1)
      }
      return elementCounts.count
    }
    return cut(shard.index - 1)..<cut(shard.index)
  }
}

public struct SlurmShardError: Error, CustomStringConvertible, Sendable {
  public let description: String
}
