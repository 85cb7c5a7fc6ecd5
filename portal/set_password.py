"""The attendee's set-password page, opened from the link (or its QR code) staff hand them.

No sign-in: the signed token in the address is the only credential (contacts.setup_links).
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from contacts.setup_links import InvalidLink, contact_for_link, set_password_with_link
from portal.forms import ChoosePasswordForm


def _attendee_page(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    response = render(request, template, context, status=status)
    # The address holds the token: no Referer header may carry it to another site. (Not
    # "no-referrer": browsers then send "Origin: null" with the form's own POST, which the CSRF
    # check rightly refuses.)
    response["Referrer-Policy"] = "same-origin"
    return response


@never_cache
def set_password(request: HttpRequest, token: str) -> HttpResponse:
    """Public: the attendee holding a link chooses a password. No staff sign-in."""
    try:
        contact = contact_for_link(token)
    except InvalidLink as invalid:
        return _invalid_link(request, invalid)
    form = ChoosePasswordForm(contact, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            set_password_with_link(token, form.cleaned_data["password1"])
        except InvalidLink as invalid:  # used by another submission meanwhile
            return _invalid_link(request, invalid)
        return redirect("attendee:set_password_done")
    return _attendee_page(request, "contacts/set_password.html", {"form": form, "first_name": contact.first_name})


def _invalid_link(request: HttpRequest, invalid: InvalidLink) -> HttpResponse:
    # One page whatever the reason, so that a link reveals nothing about whose it was;
    # 410 when it was ours but is spent, 400 when it never was.
    status = 400 if invalid.code == "tampered" else 410
    return _attendee_page(request, "contacts/set_password_invalid.html", {}, status=status)


@never_cache
def set_password_done(request: HttpRequest) -> HttpResponse:
    return _attendee_page(request, "contacts/set_password_done.html", {})
