"""The Content-Security-Policy: only this application's scripts and styles, nothing inline.

Two views of the same promise: every page's HTML holds no inline script, style or event handler
(so the policy costs nothing), and a real browser showing the pages under the policy reports no
violation (so nothing the pages need is refused).
"""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from attendance.models import SessionStatus
from tests.factories import ContactFactory, MeetingFactory, SessionFactory

PASSWORD = "a long passphrase for tests"


class InlineCode(HTMLParser):
    """Collects what a strict policy would refuse: inline scripts and styles, handlers, javascript: links."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_script_without_src = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script" and "src" not in names and names.get("type") != "application/json":
            self._in_script_without_src = True
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs:
            if name == "style":
                self.found.append(f'<{tag} style="{value}">')
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script_without_src = False

    def handle_data(self, data: str) -> None:
        if self._in_script_without_src and data.strip():
            self.found.append(f"inline <script>: {data.strip()[:60]}")


def inline_code_in(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


@pytest.fixture
def records(db):
    meeting = MeetingFactory(name="Thursday group")
    contact = ContactFactory(email="sam@example.org", first_name="Sam", consenting=True)
    contact.set_password(PASSWORD)
    contact.save()
    session = SessionFactory(contact=contact, meeting=meeting, status=SessionStatus.COMPLETED)
    return meeting, contact, session


def staff_pages(meeting, contact, session) -> list[str]:
    return [
        reverse("dashboard"),
        reverse("password_change"),
        reverse("meetings:list"),
        reverse("meetings:create"),
        reverse("meetings:detail", args=[meeting.pk]),
        reverse("meetings:edit", args=[meeting.pk]),
        reverse("meetings:poster", args=[meeting.pk]),
        reverse("contacts:list"),
        reverse("contacts:add"),
        reverse("contacts:detail", args=[contact.pk]),
        reverse("contacts:edit", args=[contact.pk]),
        reverse("attendance:sessions"),
        reverse("attendance:session", args=[session.pk]),
        reverse("attendance:report") + f"?contact={contact.pk}",
        "/admin/",
        "/admin/meetings/meeting/",
        f"/admin/meetings/meeting/{meeting.pk}/change/",
        f"/admin/meetings/meeting/{meeting.pk}/history/",
        "/admin/contacts/contact/",
        f"/admin/contacts/contact/{contact.pk}/change/",
        "/admin/attendance/session/",
        f"/admin/attendance/session/{session.pk}/change/",
        "/admin/auth/user/add/",
    ]


# The browsable API (staff signed in to the site), as HTML. DRF's template places two buttons
# with style attributes; the policy refuses them and static/css/browsable-api.css does their job.
BROWSABLE_API = ["/api/v1/meetings/", "/api/v1/sessions/", "/api/v1/events/", "/api/v1/contacts/"]
DRF_STYLE_ATTRIBUTES = {
    '<div style="float: right; margin-right: 10px">',
    '<button style="float: right; margin-right: 10px">',
    '<input style="width: 350px">',
    '<span style="float: right">',
}


def public_pages(meeting) -> list[str]:
    return [
        reverse("login"),
        reverse("attendee:sign_in"),
        reverse("attendee:meeting", args=[meeting.qr_code]),
        "/api/v1/docs/",
        "/no-such-page/",
    ]


@pytest.mark.django_db
def test_every_answer_carries_the_policy(client, staff_client, records):
    meeting, _, _ = records
    for response in (
        client.get(reverse("login")),
        client.get("/no-such-page/"),
        client.get("/api/v1/me/"),
        staff_client.get(reverse("meetings:detail", args=[meeting.pk])),
    ):
        policy = response["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
        assert directives["default-src"] == "'self'"
        assert directives["script-src"] == "'self'"
        assert directives["style-src"] == "'self'"
        assert directives["object-src"] == "'none'"
        assert directives["frame-ancestors"] == "'none'"
        assert "unsafe" not in policy


@pytest.mark.django_db
def test_no_page_holds_inline_code(client, superuser, records):
    """Every staff, admin, attendee and public page, as the person who sees it."""
    meeting, contact, session = records
    client.force_login(superuser)
    for url in staff_pages(meeting, contact, session):
        response = client.get(url)
        assert response.status_code == 200, url
        assert inline_code_in(response.content.decode()) == [], url

    for url in BROWSABLE_API:
        response = client.get(url, HTTP_ACCEPT="text/html")
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("text/html"), url
        assert set(inline_code_in(response.content.decode())) <= DRF_STYLE_ATTRIBUTES, url

    client.logout()
    for url in public_pages(meeting):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert inline_code_in(response.content.decode()) == [], url

    response = client.post(reverse("attendee:sign_in"), {"email": contact.email, "password": PASSWORD})
    assert response.status_code == 302
    page = client.get(reverse("attendee:meeting", args=[meeting.qr_code])).content.decode()
    assert "checkin.js" in page  # the consenting attendee's page, with its script
    assert inline_code_in(page) == []


def test_the_audit_finds_inline_code():
    """The parser above is what the page test relies on: it must see each kind of inline code."""
    html = (
        "<script>alert(1)</script><script src='/static/a.js'></script><style>p{}</style>"
        "<p style='color:red' onclick='x()'><a href='javascript:x()'>x</a></p>"
    )
    found = inline_code_in(html)
    assert len(found) == 5, found
    assert inline_code_in("<script src='/static/a.js'></script><p class='x'>text</p>") == []


# --- In a browser -----------------------------------------------------------------------------

# Recorded before any page script runs; Playwright's init scripts are not subject to the policy.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__violations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + e.sourceFile);
});
"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_browser_reports_no_violation_on_any_page(new_context, live_server, transactional_db):
    from tests.factories import SuperUserFactory

    meeting = MeetingFactory(name="Thursday group")
    contact = ContactFactory(email="sam@example.org", first_name="Sam", consenting=True)
    contact.set_password(PASSWORD)
    contact.save()
    session = SessionFactory(contact=contact, meeting=meeting, status=SessionStatus.COMPLETED)
    admin = SuperUserFactory(username="chief")
    admin.set_password(PASSWORD)
    admin.save()

    context = new_context()
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    console_errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))

    def visit(url: str, allowed: str = "") -> None:
        page.goto(live_server.url + url)
        page.wait_for_load_state("networkidle")
        violations = page.evaluate("window.__violations")
        assert [v for v in violations if not (allowed and v.startswith(allowed))] == [], url
        if not allowed:
            assert [text for text in console_errors if "Content Security Policy" in text] == [], url
        console_errors.clear()

    visit("/api/v1/docs/")
    # Swagger UI started, from its own script file, and drew the schema.
    assert page.locator(".swagger-ui .info .title").inner_text().startswith("Verified Compliance API")

    page.goto(live_server.url + reverse("login"))
    page.get_by_label("Username").fill("chief")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("form [type=submit]").click()
    page.wait_for_url(live_server.url + "/")
    for url in staff_pages(meeting, contact, session):
        visit(url)
    for url in BROWSABLE_API:
        # Only DRF's two style attributes are refused, and the stylesheet puts the buttons right.
        visit(url, allowed="style-src-attr inline")
    filters = page.locator('button[data-target="#filtersModal"]')
    assert filters.evaluate("button => getComputedStyle(button).float") == "right"

    page.goto(live_server.url + reverse("attendee:sign_in"))
    page.get_by_label("Email").fill(contact.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    visit(reverse("attendee:meeting", args=[meeting.qr_code]))
