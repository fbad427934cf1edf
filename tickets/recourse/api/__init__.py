"""API of the tickets recourse concern (serializers and views; routes in tickets/api/urls.py)."""
