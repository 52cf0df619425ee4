"""
The editors' admin: commitments with their owners, deadlines, targets and updates, and the change
history of every model (django-simple-history). Changelists annotate what they show (next deadline,
overdue since) and prefetch lead owners, so they cost the same number of queries at any size.

One module a concern: `commitments` (the list, the change page, spreadsheet import and export),
`updates` (progress updates, evidence, decisions), `people` (owners, contacts, accounts), `reference`
(milestones, deadlines, targets and readings, sources and passages), `reminders` (the reminder log),
`following` (the followers, superusers only), `tokens` (API tokens), `reports` (checkpoint reports),
`signatories` (verdicts on each named signatory); `base` holds what they share. Importing them here
registers their admins.
"""

from . import (  # noqa: F401
    commitments,
    following,
    people,
    reference,
    reminders,
    reports,
    signatories,
    tokens,
    updates,
)
