"""Role checks for templates, read from `aftersales.permissions`:
`{% load permissions %}` then `{% if user|can:"manage_archives" %}`."""

from __future__ import annotations

from django import template

from aftersales import permissions

register = template.Library()

# The user predicates a template may ask for, by the name it uses.
TEMPLATE_PREDICATES = {
    "act_on_followups": permissions.can_act_on_followups,
    "approve_standards": permissions.can_approve_standards,
    "close_unreachable": permissions.can_close_unreachable,
    "edit_questionnaires": permissions.can_edit_questionnaires,
    "edit_standards": permissions.can_edit_standards,
    "manage_archives": permissions.can_manage_archives,
    "manage_care": permissions.can_manage_care,
    "review_quality": permissions.can_review_quality,
    "see_acknowledgement_gaps": permissions.sees_acknowledgement_gaps,
    "see_company_wide": permissions.sees_company_wide,
    "see_job_runs": permissions.sees_job_runs,
    "work_on_claims": permissions.can_work_on_claims,
}


@register.filter
def can(user, name: str) -> bool:
    """Whether `user` passes the permission predicate called `name` (a key of
    TEMPLATE_PREDICATES); an unknown name is a template error, never a silent False."""
    try:
        predicate = TEMPLATE_PREDICATES[name]
    except KeyError:
        raise template.TemplateSyntaxError(
            f"Unknown permission {name!r} in the 'can' filter."
        ) from None
    return predicate(user)
