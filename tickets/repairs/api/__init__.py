"""API of the tickets repairs concern (serializers and views; routes in tickets/api/urls.py)."""
