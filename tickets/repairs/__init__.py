"""Repair records, field visits, offers below the entitlement and the legal-clock sweep."""
