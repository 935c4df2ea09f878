"""The Sigma rule language: wildcard strings, value modifiers, detection items and conditions."""
