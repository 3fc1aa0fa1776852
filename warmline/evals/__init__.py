"""Offline evaluation: labeled sets in, metrics and reports out."""
