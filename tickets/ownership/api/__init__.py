"""API of the tickets ownership concern (serializers and views; routes in tickets/api/urls.py)."""
