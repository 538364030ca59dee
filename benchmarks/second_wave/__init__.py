"""The second wave of benchmarks: new layers on their own tasks (benchmarks/RESULTS.md §9).
The scripts are `benchmarks.ntm_copy`, `benchmarks.tree_arithmetic` and
`benchmarks.omega_adding`; `common` holds what they share, `results/` their rows."""
