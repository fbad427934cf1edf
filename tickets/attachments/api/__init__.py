"""API of the tickets attachments concern (serializers and views; routes in tickets/api/urls.py)."""
