"""The execute side of the pool: execute nodes, dispatch to the executor, the negotiate loop."""
