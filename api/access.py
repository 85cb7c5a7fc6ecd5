"""Attendees exchange their email and password for a bearer token, and revoke it."""

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access import limits
from access.authentication import BearerTokenAuthentication, authenticate_contact
from access.models import ApiToken
from api.common import INVALID
from api.contacts import EmailAddressField, MeSerializer


class CredentialsSerializer(serializers.Serializer):
    email = EmailAddressField(max_length=255)
    password = serializers.CharField(max_length=1024, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Bearer <token>`. Shown only now.")
    expires_at = serializers.DateTimeField()
    contact = MeSerializer()


class HoldsBearerToken(BasePermission):
    message = "Revoking needs the token itself, sent as `Authorization: Bearer <token>`."

    def has_permission(self, request: Request, view: object) -> bool:
        return isinstance(request.auth, ApiToken)


class NoCredentials(BearerTokenAuthentication):
    """Reads no credentials at all, but still names the Bearer scheme in a 401 (without an
    authenticate header, DRF would turn "wrong email or password" into a 403)."""

    def authenticate(self, request: Request) -> None:
        return None


class TokenView(APIView):
    """POST: sign in as an attendee. DELETE: revoke the token the request carries."""

    def get_authenticators(self) -> list[BaseAuthentication]:
        # (No request yet when drf-spectacular builds its mock one; the POST is documented as auth=[].)
        if self.request is not None and self.request.method == "POST":
            # Signing in needs no identity, and phone apps attach their stored token to every
            # request: an expired one must not stand in the way of the sign-in that replaces it.
            return [NoCredentials()]
        # DELETE: every scheme, so that a staff user signed in by session is recognised and
        # told (403) that there is no token to revoke, rather than asked (401) to sign in.
        return super().get_authenticators()

    def get_permissions(self) -> list[BasePermission]:
        return [AllowAny()] if self.request.method == "POST" else [HoldsBearerToken()]

    @extend_schema(
        summary="Sign in as an attendee",
        request=CredentialsSerializer,
        responses={
            201: TokenSerializer,
            400: INVALID,
            401: OpenApiResponse(description="Wrong email or password."),
            429: OpenApiResponse(
                description="Five failed sign-ins for this email or from this address in 15 minutes: wait for "
                "`Retry-After` seconds."
            ),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        credentials = CredentialsSerializer(data=request.data)
        credentials.is_valid(raise_exception=True)
        email = credentials.validated_data["email"]
        # The phone page's limit too: alternating between the two gains a guesser nothing.
        wait = limits.ATTENDEE.retry_after(request, email)
        if wait is not None:
            raise Throttled(wait=wait, detail="Too many failed sign-ins: try again later.")
        contact = authenticate_contact(**credentials.validated_data)
        if contact is None:
            limits.ATTENDEE.failed(request, email)
            # The same answer whether the email exists or not.
            raise AuthenticationFailed("Wrong email or password.", code="invalid_credentials")
        limits.ATTENDEE.succeeded(request, email)
        token, raw = ApiToken.issue(contact=contact, name="attendee sign-in", lifetime=settings.CONTACT_TOKEN_LIFETIME)
        body = {"token": raw, "expires_at": token.expires_at, "contact": contact}
        return Response(TokenSerializer(body).data, status=status.HTTP_201_CREATED)

    # Only a bearer token can be revoked; a session sign-in is accepted only to be told so (403).
    @extend_schema(
        summary="Revoke this token",
        request=None,
        responses={
            204: None,
            401: OpenApiResponse(description="No bearer token, or one that is not valid (any more)."),
            403: OpenApiResponse(description="Signed in to the site, without a token: there is nothing to revoke."),
        },
        auth=[{"bearerAuth": []}],
    )
    def delete(self, request: Request) -> Response:
        request.auth.revoke()
        return Response(status=status.HTTP_204_NO_CONTENT)
