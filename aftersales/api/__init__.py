"""API conventions shared by every app: pagination, permissions and the one exception handler
that maps domain errors to the error format of shared/api.md."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from aftersales.exceptions import DomainError
from aftersales.pagination import BoundedPaginator


class Pagination(PageNumberPagination):
    """`?page=` and `?page_size=` (at most 200) → {count, next, previous, results}; the
    count is exact up to 1,000 rows and PostgreSQL's estimate beyond (aftersales.pagination)."""

    django_paginator_class = BoundedPaginator
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class IsStaffMember(BasePermission):
    """Staff of the service organisation (any role but customer)."""

    message = "Only staff may use this endpoint."

    def has_permission(self, request, view) -> bool:
        return bool(
            request.user
            and request.user.is_authenticated
            and request.user.is_staff_member
        )


def exception_handler(exc, context):
    """DRF's handler, plus: DomainError → 400/409 `{"detail", "code"}`, Django's
    ValidationError from a service → 400 with field errors."""
    if isinstance(exc, DomainError):
        return Response(
            {"detail": exc.message, "code": exc.code}, status=exc.status_code
        )
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            data = {
                ("non_field_errors" if field == "__all__" else field): messages
                for field, messages in exc.message_dict.items()
            }
        else:
            data = {"non_field_errors": exc.messages}
        return Response(data, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)
