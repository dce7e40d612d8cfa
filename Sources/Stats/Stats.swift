// The Stats module.
