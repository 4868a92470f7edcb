"""Every query lives in a repository: one module per feature stem."""
