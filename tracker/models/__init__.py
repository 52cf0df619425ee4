"""
The tracker's data: who committed to what at the Paris AI Action Summit, by when, and what happened.

Texts the public reads come in French (the source language) and English, as `<field>_fr` and
`<field>_en`; `Translated` picks the one for the active language. "Overdue", "due soon" and "stale" are
never stored: they are computed in querysets.py, from deadlines and updates and from one value
the deadlines keep on their commitment, the earliest date an open deliverable is due by.
"""

from . import signals  # noqa: F401,E402
from .commitments import *  # noqa: F403
from .deliverables import *  # noqa: F403
from .following import *  # noqa: F403
from .owners import *  # noqa: F403
from .reminders import *  # noqa: F403
from .reports import *  # noqa: F403
from .reviews import *  # noqa: F403
from .signatories import *  # noqa: F403
from .sources import *  # noqa: F403
from .tokens import *  # noqa: F403
from .updates import *  # noqa: F403
