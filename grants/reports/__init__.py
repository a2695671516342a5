"""Outcome reports (mid-term and final) and their evaluations."""
