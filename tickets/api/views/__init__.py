"""Tickets API views, one module per concern (re-exported for api/urls.py)."""

from .attachments import *  # noqa: F403
from .cases import *  # noqa: F403
from .ownership import *  # noqa: F403
from .recourse import *  # noqa: F403
from .repairs import *  # noqa: F403
