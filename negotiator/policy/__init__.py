"""Who deserves what: the accountant, group quotas, the pie, configuration and stored state."""
