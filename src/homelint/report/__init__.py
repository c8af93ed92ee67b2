"""Reporters: text, JSON, SARIF, GitHub workflow commands."""
