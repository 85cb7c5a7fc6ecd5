"""API plumbing shared by every app: error format and pagination.

Every error is JSON with `detail` (for people) and `code` (for programs); validation errors add
`errors`, naming each field. Domain errors from the services keep their own codes.
"""

import copy

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "request_too_large"


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DomainError):
        return Response({"detail": exc.detail, "code": exc.code, **exc.context}, status=exc.http_status)
    # Django's own exceptions become DRF's, so that every answer below has a code.
    if isinstance(exc, Http404):
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
        response.data = {"detail": "Invalid input.", "code": "invalid", "errors": field_errors(response.data)}
    else:
        codes = exc.get_codes()
        response.data = {"detail": str(exc.detail), "code": codes if isinstance(codes, str) else "error"}
    return response


def field_errors(detail: dict | list | str, prefix: str = "") -> dict[str, list[str]]:
    """A ValidationError's detail as the `errors` of the Error schema: each field's messages,
    under `non_field_errors` for a bare message or list, and under dotted names (`items.0.lat`)
    for nested fields, so that every answer has the one documented shape."""
    if isinstance(detail, dict):
        errors: dict[str, list[str]] = {}
        for key, value in detail.items():
            errors.update(field_errors(value, f"{prefix}.{key}" if prefix else str(key)))
        return errors
    key = prefix or api_settings.NON_FIELD_ERRORS_KEY
    if isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        errors = {}
        for index, item in enumerate(detail):
            errors.update(field_errors(item, f"{key}.{index}"))
        return errors
    return {key: [str(item) for item in detail] if isinstance(detail, list) else [str(detail)]}


# Answers several apps' operations document alike, for the OpenAPI document. Their body is the
# shared Error schema, which document_shared_answers fills in.
INVALID = OpenApiResponse(description="Invalid input: `errors` names each field.")
STAFF_ONLY = OpenApiResponse(
    description="An attendee, or staff without the model permission for this (`permission_denied`)."
)
PAST_THE_LAST_PAGE = OpenApiResponse(description="`page` is past the last page (`not_found`).")

# Every error answer's body, whatever raised it (exception_handler above). One schema rather than
# one for validation errors: any operation that reads a body can also answer 400 `parse_error`,
# without `errors`, and a schema requiring `errors` would make generated clients fail to read it.
ERROR_SCHEMA_NAME = "Error"
ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error answer: `detail` for people, `code` for programs. Some codes add context.",
    "properties": {
        "detail": {"type": "string", "description": "For people."},
        "code": {
            "type": "string",
            "description": "For programs, e.g. `invalid`, `parse_error`, `not_authenticated`, `not_found`, "
            "`invalid_transition`, `consent_required`, `check_in_not_open`, `throttled`, `service_unavailable`.",
        },
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "description": "With `invalid`: the messages for each field or query parameter "
            "(`non_field_errors` for the body as a whole).",
        },
        "session_id": {
            "type": "string",
            "format": "uuid",
            "description": "With `open_session_exists`: the open session.",
        },
        "event_id": {"type": "string", "format": "uuid", "description": "With `event_id_conflict`: the id reused."},
        "field": {
            "type": "string",
            "description": "The request field at fault: with a refused schedule change (`no_occurrence`, "
            "`already_cancelled`, `not_cancelled`, `reason_required`), such as `date` or `reason`; with a refused "
            "report (`ts_client_without_offset`, `invalid_position`, ...); with `destination_requires_staff` "
            "(`dest_name`); with a refused policy version (`effective_in_past`, `not_after_latest`, "
            "`invalid_rule`), such as `effective_from` or `min_stay_percent`.",
        },
        "opens_at": {
            "type": "string",
            "format": "date-time",
            "description": "With `check_in_not_open`: when the check-in window opens.",
        },
        "ended_at": {
            "type": "string",
            "format": "date-time",
            "description": "With `check_in_closed`: when the meeting ended and check-in closed.",
        },
        "status": {
            "allOf": [{"$ref": "#/components/schemas/SessionStatus"}],
            "description": "With `invalid_transition`: the session's status.",
        },
    },
    "required": ["detail", "code"],
}
ERROR_CONTENT = {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_SCHEMA_NAME}"}}}


def document_shared_answers(result: dict, generator: object, request: object, public: bool) -> dict:
    """drf-spectacular postprocessing hook: the answers every operation can give, whatever its
    view says, and the Error body on every error answer, so that no view can forget it.

    401 wherever a token (or staff session) is required; 400, 413 and 415 wherever a body is read
    (api/parsers.py); 503 everywhere: while the database is unreachable
    (core/error_pages.py) a client should retry, not give up."""
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_SCHEMA_NAME] = ERROR_SCHEMA
    shared = {
        "503": {
            "description": "The database is unreachable for a moment (`service_unavailable`); retry after "
            "`Retry-After` seconds, with the same event `id`.",
            "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}},
        }
    }
    authenticated = {
        "401": {
            "description": "No valid bearer token (missing, unknown, expired or revoked): `not_authenticated` "
            "or `authentication_failed`."
        }
    }
    parse_error = "The body is not JSON, or not valid UTF-8, or nests too deep (`parse_error`)."
    with_body = {
        "400": {"description": parse_error},
        "413": {"description": "The body is too large (`request_too_large`)."},
        "415": {"description": "The body is not `application/json` in UTF-8 (`unsupported_media_type`)."},
    }
    components = result["components"]["schemas"]
    type_nullable_refs(components, components)
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            # Public operations say so: a linter (and a reader) cannot tell "forgot" from "none".
            security = operation.setdefault("security", [])
            answers = dict(shared)
            if security and {} not in security:
                answers.update(authenticated)
            if "requestBody" in operation:
                invalid = responses.get("400")
                if invalid is not None and "parse_error" not in invalid.get("description", ""):
                    invalid["description"] = f"{invalid.get('description', '')} Or: {parse_error}".strip()
                answers.update(with_body)
            for status_code, answer in answers.items():
                responses.setdefault(status_code, copy.deepcopy(answer))
            for status_code, response in responses.items():
                # ("4XX" is a possible key too.)
                if status_code[:1] in ("4", "5") and "content" not in response:
                    response["content"] = copy.deepcopy(ERROR_CONTENT)
    return result


def type_nullable_refs(schema: object, components: dict) -> None:
    """A nullable nested object (`current: null` while no period runs) comes out of
    drf-spectacular as `allOf: [$ref], nullable: true` without `type`, which OpenAPI 3.0 leaves
    ambiguous (Redocly's nullable-type-sibling): give it the type of the schema it refers to."""
    if isinstance(schema, dict):
        if schema.get("nullable") and len(schema.get("allOf", ())) == 1 and "type" not in schema:
            target = components.get(schema["allOf"][0].get("$ref", "").rsplit("/", 1)[-1], {})
            if "type" in target:
                schema["type"] = target["type"]
        for value in schema.values():
            type_nullable_refs(value, components)
    elif isinstance(schema, list):
        for value in schema:
            type_nullable_refs(value, components)


class Pagination(PageNumberPagination):
    """Lists as {"count", "next", "previous", "results"}; `?page=` and `?page_size=` (up to 200)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
