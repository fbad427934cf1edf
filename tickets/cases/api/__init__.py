"""API of the tickets cases concern (serializers and views; routes in tickets/api/urls.py)."""
