"""The product's vocabulary, free of I/O: policy, observed-state model, commands, numbers."""
