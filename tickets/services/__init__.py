"""Writes of the tickets app (style.md B.2), one module per concern, re-exported here so
callers write `services.ticket_open(...)`:

- cases: opening, lifecycle steps and their guards, comments, handovers, SLA sweeps;
- repairs: repair records, field visits, offers below the entitlement, the legal-clock sweep;
- recourse: compensations (先行赔付), recourse claims (追偿) and the recourse sweep;
- attachments: validated private files on a case;
- ownership: first-owner transfers, the orphan sweep and unit queue auto-assignment.
"""

from .attachments import *  # noqa: F403
from .cases import *  # noqa: F403
from .ownership import *  # noqa: F403
from .recourse import *  # noqa: F403
from .repairs import *  # noqa: F403
