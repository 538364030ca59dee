"""Ready application models built on rnnzoo's layers."""
