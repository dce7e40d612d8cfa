// The Formats module.
