import Kernels

/// The focused tensor's kernel work for one batch of effects, grouped so that the tensor is read
/// once per setting: the `quantize` effects of one batch that share a generation, a loaded tensor
/// and settings form one pass. The scheduler runs a pass as every key's sampled estimate first
/// (each posted as today), then ONE multi-format pass over every element (`Quantizer.measure(_:formats:)`,
/// whose per-format metrics equal the one-format runs bit for bit), each key's result posted to
/// its own slot. `sf4@fit` joins when the fit was in at the time; later it comes as a pass of its own.
struct QuantizationPass: Hashable, Sendable {
  /// One key of the pass and the ν it runs at (`sf4@fit`'s fitted ν; nil for the others).
  struct Member: Hashable, Sendable {
    let key: QuantKey
    let fittedNu: Double?
  }

  let generation: Int
  let tensor: LoadedTensorReference
  let settings: QuantizationSettings
  private(set) var members: [Member]

  /// The `quantize` effect the pass starts at (its first member's).
  var firstEffect: Effect {
    .quantize(generation: generation, key: members[0].key, tensor: tensor, fittedNu: members[0].fittedNu)
  }

  /// The passes the `quantize` effects of `effects` make, in the order of their first effects;
  /// every other effect is left out.
  static func passes(for effects: [Effect]) -> [QuantizationPass] {
    struct Group: Hashable {
      let generation: Int
      let tensor: LoadedTensorReference
      let settings: QuantizationSettings
    }
    var passes: [QuantizationPass] = []
    var positions: [Group: Int] = [:]
    var seen: Set<Effect> = []
    for effect in effects {
      guard case .quantize(let generation, let key, let tensor, let fittedNu) = effect, seen.insert(effect).inserted
      else { continue }
      let group = Group(generation: generation, tensor: tensor, settings: key.settings)
      let member = Member(key: key, fittedNu: fittedNu)
      if let position = positions[group] {
        passes[position].members.append(member)
      } else {
        positions[group] = passes.count
        passes.append(
          QuantizationPass(generation: generation, tensor: tensor, settings: key.settings, members: [member]))
      }
    }
    return passes
  }
}
