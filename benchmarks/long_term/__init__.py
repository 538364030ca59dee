"""Long-term-dependency benchmarks: the lecture notes' claims about vanishing
gradients, initialisation, leaky units, skip connections, gating and
reservoirs, measured with rnnzoo's layers (see benchmarks/RESULTS.md)."""
