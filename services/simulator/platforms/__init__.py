"""One simulated back office per platform, each in its own dialect (schemas/platforms/)."""
