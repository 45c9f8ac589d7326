"""Notice and action under the EU Digital Services Act, as pure logic: both partners' duties.

The brand owner's side (a takedown notice with the Art. 16 fields) is written
by :mod:`pipeline.records`; this package is the marketplace's side: notices in
and checked (:mod:`~pipeline.notices.intake`), receipts (:mod:`~pipeline.notices.receipts`),
the decision a notice is joined with and its priority (:mod:`~pipeline.notices.routing`),
each listing's cases (:mod:`~pipeline.notices.cases`), notifier accuracy
(:mod:`~pipeline.notices.accuracy`), statements of reasons
(:mod:`~pipeline.notices.statements`, without personal data: :mod:`~pipeline.notices.privacy`),
appeals (:mod:`~pipeline.notices.appeals`) and the Transparency Database export
(:mod:`~pipeline.notices.export`). Every stage takes and returns plain dicts.
"""

from pipeline.notices.accuracy import AccuracyPolicy, apply_event, format_notifier, notifier_event
from pipeline.notices.appeals import close_case, format_cases, is_overdue, open_case, overdue
from pipeline.notices.cases import NoticePolicy, Step, apply_decision, apply_notice, apply_outcome
from pipeline.notices.export import API_BATCH, Export, Refused, export_batches, submission_errors
from pipeline.notices.intake import Incomplete, Notice, parse_notice
from pipeline.notices.privacy import contains_personal_data, scrub
from pipeline.notices.receipts import receipt
from pipeline.notices.routing import priority, routed_notice, slim_decision
from pipeline.notices.statements import Provenance, restriction_statement, reversal_statement, territorial_scope

__all__ = [
    "API_BATCH", "AccuracyPolicy", "Export", "Incomplete", "Notice", "NoticePolicy", "Provenance", "Refused", "Step",
    "apply_decision", "apply_event", "apply_notice", "apply_outcome", "close_case", "contains_personal_data",
    "export_batches", "format_cases", "format_notifier", "is_overdue", "notifier_event", "open_case", "overdue",
    "parse_notice", "priority", "receipt", "restriction_statement", "reversal_statement", "routed_notice", "scrub",
    "slim_decision", "submission_errors", "territorial_scope",
]
