"""API plumbing shared by every app: error format and pagination.

Every error is JSON with `detail` (for people) and `code` (for programs); validation errors add
`errors`, naming each field. Domain errors from the services keep their own codes.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from attendance.services import AttendanceError, SessionNotFound

# How each refusal of the attendance rules reads over HTTP.
ATTENDANCE_ERROR_STATUS = {
    AttendanceError.OPEN_SESSION_EXISTS: status.HTTP_409_CONFLICT,
    AttendanceError.INVALID_TRANSITION: status.HTTP_409_CONFLICT,
    AttendanceError.EVENT_ID_CONFLICT: status.HTTP_409_CONFLICT,
    AttendanceError.MEETING_INACTIVE: status.HTTP_409_CONFLICT,
    AttendanceError.CONTACT_INACTIVE: status.HTTP_409_CONFLICT,
    AttendanceError.CONSENT_REQUIRED: status.HTTP_403_FORBIDDEN,
}


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "request_too_large"


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, AttendanceError):
        return Response(
            {"detail": exc.detail, "code": exc.code, **exc.context},
            status=ATTENDANCE_ERROR_STATUS.get(exc.code, status.HTTP_400_BAD_REQUEST),
        )
    # Django's own exceptions become DRF's, so that every answer below has a code.
    if isinstance(exc, SessionNotFound):
        exc = exceptions.NotFound("No such session.")
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"detail": "Invalid input.", "code": "invalid", "errors": response.data}
    else:
        codes = exc.get_codes()
        response.data = {"detail": str(exc.detail), "code": codes if isinstance(codes, str) else "error"}
    return response


# Answers several apps' operations document alike, for the OpenAPI document.
INVALID = OpenApiResponse(description="Invalid input: `errors` names each field.")
STAFF_ONLY = OpenApiResponse(
    description="An attendee, or staff without the model permission for this (`permission_denied`)."
)
PAST_THE_LAST_PAGE = OpenApiResponse(description="`page` is past the last page (`not_found`).")


ERROR_BODY = {
    "type": "object",
    "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
    "required": ["detail", "code"],
}


def document_shared_answers(result: dict, generator, request, public: bool) -> dict:
    """drf-spectacular postprocessing hook: the answers every operation can give, whatever its
    view says. 401 wherever a token (or staff session) is required, and 503 everywhere: while
    the database is unreachable (compliance/errors.py) a client should retry, not give up."""
    unavailable = {
        "description": "The database is unreachable for a moment (`service_unavailable`); retry after "
        "`Retry-After` seconds, with the same event `id`.",
        "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}},
        "content": {"application/json": {"schema": ERROR_BODY}},
    }
    unauthenticated = {
        "description": "No valid bearer token (missing, unknown, expired or revoked): `not_authenticated` "
        "or `authentication_failed`.",
        "content": {"application/json": {"schema": ERROR_BODY}},
    }
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            responses.setdefault("503", unavailable)
            security = operation.get("security")
            if security and {} not in security:
                responses.setdefault("401", unauthenticated)
    return result


class Pagination(PageNumberPagination):
    """Lists as {"count", "next", "previous", "results"}; `?page=` and `?page_size=` (up to 200)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
