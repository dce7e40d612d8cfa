/// The shipped row (`--against`): its result folded in, and its pass started for the focused
/// tensor once that is loaded.
func absorbShipped(_ tensor: String, _ outcome: ShippedOutcome, _ state: inout State) {
  state.shippedResults[tensor] = outcome
  if state.shippedRequest?.tensor == tensor { state.shippedRequest = nil }
}

/// Starts the focused tensor's shipped pass when it has a pair and no result; forgets a request
/// of an older focus (its work was cancelled with that focus).
func reconcileShipped(_ state: inout State) -> [Effect] {
  guard let shipped = state.shipped else { return [] }
  var wanted: String?
  if case .ready = state.tensorStatus, let focused = state.focusedTensor {
    let name = state.tensors[focused].name
    if shipped.pairs[name] != nil && state.shippedResults[name] == nil { wanted = name }
  }
  guard let wanted else {
    state.shippedRequest = nil
    return []
  }
  let request = ShippedRequest(tensor: wanted, generation: state.generation)
  guard state.shippedRequest != request else { return [] }
  state.shippedRequest = request
  return [.measureShipped(request)]
}
