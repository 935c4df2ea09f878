"""Detection: Sigma v2.1 rules and correlations, secops extensions, prefilter index and the engine."""
