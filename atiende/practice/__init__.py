"""The practice room in the product: stored practice calls, assignments, pass marks, progress (wraps training/)."""
