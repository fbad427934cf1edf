"""Entries of the customer timeline from the loop: voice."""
