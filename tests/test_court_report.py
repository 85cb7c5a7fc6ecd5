"""The court report (README: "Mandates and compliance"): issued for a mandate over chosen dates,
recorded with the SHA-256 of its canonical content, read back as PDF, HTML and CSV, and
confirmed (without attendance data) by the public verification page, which limits guessing.

The month is the issue's scripted one (tests/test_mandate_month.py): Cara, three AA meetings a
week in December 2026, misses week 2 because she left one meeting early; an attended SMART
meeting does not count for her AA-only order.
"""

import csv
import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from pypdf import PdfReader

from mandates import court_report
from mandates.court_report import ReportError, canonical, issue, normalize_number
from mandates.models import CourtReport
from mandates.pdf import LocalFilesOnly, render_pdf
from meetings.models import MeetingKind
from tests.factories import ContactFactory, StaffUserFactory
from tests.test_content_security_policy import inline_code_in
from tests.test_mandate_month import attend, court, daily, hope, order, pst, smart  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
VIEW_MANDATE, ISSUE, VIEW = "mandates.view_mandate", "mandates.add_courtreport", "mandates.view_courtreport"
ISSUED_AT = pst(29, 9)


@pytest.fixture
def case_manager(db):
    return StaffUserFactory(
        first_name="Rosa", last_name="Díaz", username="rdiaz", permissions=(VIEW_MANDATE, ISSUE, VIEW)
    )


@pytest.fixture
def mandate(hope, smart, court, case_manager):  # noqa: F811 (fixtures imported above)
    cara = ContactFactory(consenting=True, first_name="Cara", last_name="Quintero")
    found = order(cara, case_manager, case_number="CR-2026-04711", kinds=[MeetingKind.objects.get(slug="aa")])
    for day in (1, 2, 3, 8, 9, 15, 16, 17, 22, 23, 24):
        attend(cara, hope, day)
    attend(cara, hope, 10, leave_at=(19, 40))  # left early: week 2 is missed
    attend(cara, smart, 11)  # attended, but not an AA meeting
    return found


@pytest.fixture
def issued(mandate, case_manager):
    with time_machine.travel(ISSUED_AT, tick=False):
        return issue(mandate, dt.date(2026, 12, 1), dt.date(2026, 12, 28), by=case_manager)


def pdf_text(data: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


# --- The record ----------------------------------------------------------------------------------


def test_issuing_records_the_canonical_content_and_its_digest(issued, mandate, case_manager):
    stored = CourtReport.objects.get(pk=issued.pk)
    assert stored.digest == hashlib.sha256(stored.content.encode("utf-8")).hexdigest()
    content = json.loads(stored.content)
    # Canonical: sorted keys, compact, and re-encoding gives the same text.
    assert canonical(content) == stored.content
    assert stored.number == content["number"]
    assert re.fullmatch(r"VC(-[0-9A-HJKMNP-TV-Z]{4}){3}", stored.number)
    assert (stored.issued_by, stored.mandate, stored.agency_name) == (case_manager, mandate, "Verified Compliance")
    assert (stored.covers_from, stored.covers_to) == (dt.date(2026, 12, 1), dt.date(2026, 12, 28))
    assert stored.issued_at == ISSUED_AT
    assert content["issued_at"] == "2026-12-29T17:00:00Z"
    assert content["status"]["value"] == "non_compliant"
    assert [(p["attended"], p["status"]) for p in content["periods"]] == [
        (3, "met"),
        (2, "missed"),
        (3, "met"),
        (3, "met"),
    ]
    by_day = {s["date"]: s for s in content["sessions"]}
    assert len(content["sessions"]) == 13
    assert by_day["2026-12-10"]["outcome"] == "partial"
    assert not by_day["2026-12-10"]["counts"]
    assert "Left early" in " ".join(by_day["2026-12-10"]["reasons"])
    assert by_day["2026-12-11"]["meeting"] == "SMART afternoons"
    assert by_day["2026-12-11"]["note"] == "Does not count: not a qualifying meeting"
    first = by_day["2026-12-01"]
    assert (first["counts"], first["period"], first["distance_m"], first["accuracy_m"]) == (True, 1, 0, 10)
    assert first["check_in"] == "2026-12-02T03:02:00Z"  # 7:02 pm in Portland
    assert first["minutes_attended"] == 88
    assert first["minutes_scheduled"] == 90
    assert (content["totals"]["sessions"], content["totals"]["counted"], content["totals"]["periods_missed"]) == (
        13,
        11,
        1,
    )
    assert not re.search(r'":-?\d+\.\d', stored.content)  # no floats
    # The rules the sessions were judged by: their meeting's (here the default policy).
    assert content["attended_means"].startswith("Under Default policy, version 1, a session is “Attended” only when")
    assert "75%" in content["attended_means"]
    assert content["policy_versions"][0]["label"] == "Default policy, version 1"
    assert content["prepared_by"] == {"name": "Rosa Díaz", "role": "Staff member"}


def test_a_report_covers_only_its_dates(mandate, case_manager):
    with time_machine.travel(ISSUED_AT, tick=False):
        report = issue(mandate, dt.date(2026, 12, 8), dt.date(2026, 12, 14), by=case_manager)
    content = json.loads(report.content)
    assert [p["number"] for p in content["periods"]] == [2]
    assert sorted(s["date"] for s in content["sessions"]) == [f"2026-12-{d}" for d in ("08", "09", "10", "11")]


@pytest.mark.parametrize(
    ("covers_from", "covers_to", "field"),
    [
        (dt.date(2026, 11, 30), dt.date(2026, 12, 5), "covers_from"),
        (dt.date(2026, 12, 1), dt.date(2026, 12, 29), "covers_to"),
        (dt.date(2026, 12, 9), dt.date(2026, 12, 8), "covers_to"),
    ],
)
def test_issuing_refuses_dates_outside_the_mandate(mandate, case_manager, covers_from, covers_to, field):
    with pytest.raises(ReportError) as refused:
        issue(mandate, covers_from, covers_to, by=case_manager)
    assert refused.value.context["field"] == field
    assert not CourtReport.objects.exists()


def test_the_record_is_never_changed(issued):
    with pytest.raises(Exception, match="cannot be changed"):
        issued.save()


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("VC-7K3M-Q9XD-2HRT", "VC-7K3M-Q9XD-2HRT"),
        (" vc 7k3m q9xd 2hrt ", "VC-7K3M-Q9XD-2HRT"),
        ("VC-7K3M-Q9XD-2HRO", "VC-7K3M-Q9XD-2HR0"),
        ("VC-7K3M-Q9XD-2HRl", "VC-7K3M-Q9XD-2HR1"),
        ("VC-7K3M-Q9XD-2HR", None),
        ("VC-7K3M-Q9XD-2HRU", None),
        ("XX-7K3M-Q9XD-2HRT", None),
        ("", None),
    ],
)
def test_report_numbers_as_typed_from_paper(typed, expected):
    assert normalize_number(typed) == expected


def test_new_numbers_are_valid_and_differ():
    numbers = {court_report.new_number() for _ in range(200)}
    assert len(numbers) == 200
    assert all(normalize_number(number) == number for number in numbers)


# --- The documents -------------------------------------------------------------------------------


def test_the_pdf_reads_back_with_every_part(issued, client, case_manager):
    client.force_login(case_manager)
    response = client.get(reverse("mandates:report_pdf", args=[issued.number]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="{issued.number}.pdf"'
    text, pages = pdf_text(response.content)
    words = flat(text)
    assert "CR-2026-04711" in words
    assert "Multnomah County Circuit Court" in words
    assert "3 meetings per week" in words
    assert f"Page 1 of {pages}" in words
    assert f"Page {pages} of {pages}" in words
    assert issued.number in words
    assert issued.digest in text.replace("\n", "").replace(" ", "")
    assert words.count("Missed") >= 1
    assert words.count("Met") >= 3
    assert "Non-compliant" in words
    assert "Left early" in words
    assert "SMART afternoons" in words
    assert "WHAT “ATTENDED” MEANS" in words.upper()  # headings are set in capitals
    assert "PREPARED BY" in words.upper()
    assert "Rosa Díaz" in words
    assert "Signature" in words
    assert f"/verify/{issued.number}/" in text.replace("\n", "")
    assert "PST" in words  # times in the meeting's zone, with the zone

    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "court-report.pdf").write_bytes(response.content)
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None and os.environ.get("CI") != "true":
        pytest.skip("pdftoppm (poppler-utils) is not installed: no PNG of the first page")
    # Under CI a missing pdftoppm fails here: .ci/run installs poppler-utils.
    first_page = ["-png", "-r", "110", "-f", "1", "-l", "1", "-singlefile"]
    pdf, png = ARTIFACTS / "court-report.pdf", ARTIFACTS / "court-report-page-1"
    subprocess.run([pdftoppm or "pdftoppm", *first_page, str(pdf), str(png)], check=True)
    assert (ARTIFACTS / "court-report-page-1.png").stat().st_size > 10_000


def test_the_html_page_says_the_same(issued, client, case_manager):
    client.force_login(case_manager)
    response = client.get(reverse("mandates:report_detail", args=[issued.number]))

    assert response.status_code == 200
    page = response.content.decode()
    for expected in (
        "CR-2026-04711",
        issued.number,
        issued.digest,
        "Missed",
        "Non-compliant",
        "Left early",
        "3 meetings per week",
        "Prepared by",
        f"http://127.0.0.1:8000/verify/{issued.number}/",
    ):
        assert expected in page, expected
    assert 'class="cr-qr" src="data:image/svg+xml;base64,' in page  # the QR code, embedded
    assert inline_code_in(page) == []


def test_the_csv_says_the_same(issued, client, case_manager):
    client.force_login(case_manager)
    response = client.get(reverse("mandates:report_csv", args=[issued.number]))

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{issued.number}.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    header = {row[0]: row[1] for row in rows[1 : rows.index([])]}
    assert header["Report number"] == issued.number
    assert header["SHA-256"] == issued.digest
    assert header["Case number"] == "CR-2026-04711"
    assert "Period 2" in header
    assert header["Period 2"].endswith("2 of 3, Missed")
    columns = rows.index(next(row for row in rows if row[:2] == ["Date", "Meeting"]))
    sessions = [dict(zip(rows[columns], row, strict=True)) for row in rows[columns + 1 :]]
    assert len(sessions) == 13
    first = sessions[0]
    assert (first["Date"], first["Check-in"], first["Time zone"]) == (
        "2026-12-01",
        "2026-12-01T19:02:00-08:00",
        "America/Los_Angeles",
    )
    assert (first["Outcome"], first["Counts toward the order"], first["Distance (m)"], first["Accuracy (m)"]) == (
        "Attended",
        "yes",
        "0",
        "10",
    )


def test_documents_are_drawn_from_the_record_not_recomputed(issued, client, case_manager, mandate, hope):  # noqa: F811
    """Sessions recorded after the report was issued do not change it: its digest holds."""
    attend(mandate.contact, hope, 28)
    with time_machine.travel(pst(30, 9), tick=False):
        client.force_login(case_manager)
        page = client.get(reverse("mandates:report_detail", args=[issued.number])).content.decode()
    assert page.count("; counts (period") == 11  # as when issued, not the 12 counted now
    assert "29 Dec 2026" in page  # issued on
    assert court_report.matches(CourtReport.objects.get(pk=issued.pk))


# --- The staff pages -----------------------------------------------------------------------------


def test_the_form_offers_the_whole_mandate_up_to_today(mandate, client, case_manager):
    with time_machine.travel(pst(18, 12), tick=False):
        client.force_login(case_manager)
        response = client.get(reverse("mandates:report", args=[mandate.pk]))
    assert response.status_code == 200
    form = response.context["form"]
    assert (form.initial["covers_from"], form.initial["covers_to"]) == (dt.date(2026, 12, 1), dt.date(2026, 12, 18))
    assert inline_code_in(response.content.decode()) == []


def test_issuing_from_the_form_records_and_shows_the_report(mandate, client, case_manager):
    with time_machine.travel(ISSUED_AT, tick=False):
        client.force_login(case_manager)
        response = client.post(
            reverse("mandates:issue_report", args=[mandate.pk]),
            {"covers_from": "2026-12-01", "covers_to": "2026-12-28"},
        )
    report = CourtReport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("mandates:report_detail", args=[report.number])
    assert report.issued_by == case_manager


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"covers_from": "2026-11-30", "covers_to": "2026-12-28"}, "covers_from"),
        ({"covers_from": "2026-12-01", "covers_to": "2027-01-05"}, "covers_to"),
        ({"covers_from": "2026-12-10", "covers_to": "2026-12-01"}, "covers_to"),
        ({"covers_from": "not a date", "covers_to": "2026-12-28"}, "covers_from"),
        ({"covers_to": "2026-12-28"}, "covers_from"),
    ],
)
def test_issuing_refuses_bad_dates_with_the_form(mandate, client, case_manager, data, field):
    client.force_login(case_manager)
    response = client.post(reverse("mandates:issue_report", args=[mandate.pk]), data)
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not CourtReport.objects.exists()


def test_who_may_issue_and_read_reports(mandate, issued, assert_staff_only):
    assert_staff_only(reverse("mandates:report", args=[mandate.pk]), VIEW_MANDATE, ISSUE)
    assert_staff_only(
        reverse("mandates:issue_report", args=[mandate.pk]),
        VIEW_MANDATE,
        ISSUE,
        method="post",
        data={"covers_from": "2026-12-01", "covers_to": "2026-12-07"},
        allowed_status=302,
    )
    for name in ("mandates:report_detail", "mandates:report_pdf", "mandates:report_csv"):
        assert_staff_only(reverse(name, args=[issued.number]), VIEW)


def test_unknown_mandates_and_reports_are_404(client, case_manager):
    client.force_login(case_manager)
    assert client.get(reverse("mandates:report", args=["nope"])).status_code == 404
    assert client.get(reverse("mandates:report_detail", args=["VC-0000-0000-0000"])).status_code == 404
    assert client.get(reverse("mandates:report_pdf", args=["VC-0000-0000-0000"])).status_code == 404


# --- Offline rendering ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["http://example.org/style.css", "https://example.org/logo.png", "file:///etc/passwd", "ftp://x/y"]
)
def test_rendering_fetches_nothing_but_static_files(url):
    with pytest.raises(ValueError, match=r"not a static file|disallowed protocol"):
        LocalFilesOnly().fetch(url)


def test_rendering_may_read_a_static_file():
    css = Path(settings.STATICFILES_DIRS[0]) / "css" / "court-report.css"
    response = LocalFilesOnly().fetch(css.as_uri())
    try:
        assert b".court-report" in response.read()
    finally:
        response.close()


def test_the_letterhead_comes_from_settings(issued, settings, tmp_path):
    settings.REPORT_AGENCY_NAME = "Multnomah County Community Justice"  # read when issued: not this one
    settings.REPORT_AGENCY_ADDRESS = "501 SE Hawthorne Blvd, Portland, OR 97214"
    logo = tmp_path / "logo.svg"
    logo.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'
    )
    settings.REPORT_LOGO_PATH = str(logo)
    text = flat(pdf_text(render_pdf(issued))[0])
    assert "Verified Compliance" in text  # the issued content's letterhead, as recorded
    assert "Multnomah County Community Justice" not in text


# --- Public verification -------------------------------------------------------------------------


def test_the_verify_page_confirms_an_issued_report(issued, client):
    response = client.get(reverse("attendee:verify_report", args=[issued.number]))

    assert response.status_code == 200
    page = response.content.decode()
    assert issued.number in page
    assert issued.digest in page
    assert "Verified Compliance" in page
    assert "29 Dec 2026 17:00 UTC" in page
    # Nothing about the person, the case or the attendance.
    for secret in ("Cara", "Quintero", "CR-2026-04711", "Hope Group", "SMART", "Multnomah", "Missed", "Attended"):
        assert secret not in page, secret
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert inline_code_in(page) == []


def test_the_verify_page_takes_the_number_as_typed(issued, client):
    typed = issued.number.lower().replace("-", " ")
    response = client.get(reverse("attendee:verify"), {"number": typed})
    assert response.status_code == 302
    assert response["Location"] == reverse("attendee:verify_report", args=[issued.number])


@pytest.mark.parametrize("number", ["VC-0000-0000-0000", "not-a-number", "VC-7K3M-Q9XD-2HRT"])
def test_the_verify_page_says_no_such_report(number, client):
    response = client.get(reverse("attendee:verify_report", args=[number]))
    assert response.status_code == 404
    assert "No such report" in response.content.decode()
    assert inline_code_in(response.content.decode()) == []


def test_the_verify_form(client):
    page = client.get(reverse("attendee:verify"))
    assert page.status_code == 200
    assert 'name="number"' in page.content.decode()
    assert inline_code_in(page.content.decode()) == []
    bad = client.get(reverse("attendee:verify"), {"number": "hello"})
    assert bad.status_code == 400
    assert "not a report number" in bad.content.decode()


def test_guessing_is_limited_per_address(issued, client, settings):
    settings.REPORT_VERIFY_LOOKUPS = 5
    for i in range(5):
        assert client.get(reverse("attendee:verify_report", args=[f"VC-0000-0000-000{i}"])).status_code == 404
    refused = client.get(reverse("attendee:verify_report", args=[issued.number]))
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= settings.REPORT_VERIFY_WINDOW_SECONDS
    assert issued.digest not in refused.content.decode()
    assert "Too many lookups" in refused.content.decode()
    # Another address is not held back.
    other = client.get(reverse("attendee:verify_report", args=[issued.number]), REMOTE_ADDR="198.51.100.7")
    assert other.status_code == 200


def test_the_limit_ends_with_its_window(issued, client, settings):
    settings.REPORT_VERIFY_LOOKUPS = 1
    with time_machine.travel(pst(30, 9), tick=False):
        assert client.get(reverse("attendee:verify_report", args=[issued.number])).status_code == 200
        assert client.get(reverse("attendee:verify_report", args=[issued.number])).status_code == 429
    with time_machine.travel(pst(30, 9) + dt.timedelta(seconds=settings.REPORT_VERIFY_WINDOW_SECONDS), tick=False):
        assert client.get(reverse("attendee:verify_report", args=[issued.number])).status_code == 200


# --- Hostile addresses ---------------------------------------------------------------------------

HOSTILE = ["%00", "a%00b", "%ED%A0%80", "%C0%80", "%FF%FE", "%F0%9F%92%A9", "9" * 23, "x" * 2000, "..%2F..%2Fetc"]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_numbers_and_ids_answer_4xx(value, client, case_manager, no_errors_logged):
    client.force_login(case_manager)
    staff_paths = [
        f"/mandates/{value}/report/",
        f"/mandates/reports/{value}/",
        f"/mandates/reports/{value}.pdf",
        f"/mandates/reports/{value}.csv",
    ]
    for path in staff_paths:
        assert client.get(path).status_code in (400, 404), path
    response = client.post(f"/mandates/{value}/report/issue/", {"covers_from": "2026-12-01", "covers_to": "2026-12-02"})
    assert response.status_code in (400, 404)
    client.logout()
    assert client.get(f"/verify/{value}/").status_code in (400, 404)
    assert client.get("/verify/", {"number": value}).status_code in (302, 400)
