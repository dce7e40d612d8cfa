// The Explorer module.
