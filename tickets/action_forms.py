"""The case page's deferred action forms (#11): each form is a button on the page that loads
the form on demand. One answer for every concern: the form's fragment for htmx, else the
form on a page of its own (where the button leads without JavaScript)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

FORM_PAGE = "tickets/ticket_action_form.html"


def action_form_response(
    request, ticket, partial: str, title, context: dict
) -> HttpResponse:
    """The fragment `partial` ("template#partial") of the case `ticket` for an htmx
    request, else FORM_PAGE showing it under `title`; `context` fills the form."""
    template = partial if request.htmx and not request.htmx.boosted else FORM_PAGE
    return render(
        request,
        template,
        {"ticket": ticket, "partial": partial, "form_title": title, **context},
    )
