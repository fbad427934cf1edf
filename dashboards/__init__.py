"""Managers' dashboards: the KPIs of domain §8 measured against the service standard.

The top layer: it reads every app (style.md, "pages that combine apps") and no app imports it.
"""
