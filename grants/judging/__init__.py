"""Judging (评审): panels of judges per round, assignment per stage, score sheets, results."""
