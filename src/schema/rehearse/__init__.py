"""``schema.rehearse``: run pending revisions against seeded volume under live traffic, measured.

Squawk reads a revision's SQL and guesses; a rehearsal runs it. In a scratch database seeded at
the ``from`` revision, while N clients replay the query patterns and insert quotes and audit
entries, each revision is applied (and rolled back) statement by statement, and for every
statement the rehearsal measures its duration, the locks it held and for how long, whether it
rewrote a table or rebuilt an index, the rows it touched, and the workload queries that waited
for it or failed. Verdicts (``verdicts``) project each finding to production size.

Modules: ``runner`` (the run), ``probe`` (the migrating session's own view), ``sampler`` (the
second session's view), ``workload`` (the traffic), ``verdicts``, ``notes`` (operator notes: a
reviewed finding accepted, and how it runs in production), ``squawk`` (Squawk beside), ``report``
(JSON and Markdown, one page per revision), ``remediation`` and ``remediation_report`` (the
operator's path for old data: refused by rule, remediated, upgraded), ``cli`` (``schema rehearse``).
"""

from schema.rehearse.runner import Options, Rehearsal, RehearsalError, rehearse
from schema.rehearse.verdicts import Thresholds
from schema.rehearse.workload import WorkloadOptions

__all__ = ["Options", "Rehearsal", "RehearsalError", "Thresholds", "WorkloadOptions", "rehearse"]
