"""Import and export pages of the customer archive (placeholder until the import feature
lands; every view answers 404)."""

from django.http import Http404


def _not_yet(request, *args, **kwargs):
    raise Http404


import_list = import_detail = import_start = import_progress = import_errors = _not_yet
customer_export = product_export = _not_yet
