"""Staff pages of the tickets app, one module per concern (re-exported for urls.py). Each
concern module offers `panel_context(request, ticket)`: the context of its panel on the
case page (templates/tickets/_<concern>_panel.html)."""

from . import attachments, ownership, recourse, repairs
from .attachments import *  # noqa: F403
from .cases import *  # noqa: F403
from .ownership import *  # noqa: F403
from .recourse import *  # noqa: F403
from .repairs import *  # noqa: F403

PANELS = (repairs, recourse, attachments, ownership)
