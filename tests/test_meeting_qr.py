"""Meeting QR codes: what they encode, as a phone would read them, in every form staff get them."""

import datetime as dt
import io
import re
import xml.etree.ElementTree as ET

import pytest
import zxingcpp
from django.urls import reverse
from PIL import Image, ImageDraw

from core.qr import build_qr, render_qr_png, render_qr_svg
from meetings.models import Meeting
from tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
PUBLIC_BASE_URL = "https://attend.example.org"


@pytest.fixture(autouse=True)
def public_base_url(settings):
    settings.PUBLIC_BASE_URL = PUBLIC_BASE_URL


def url(name: str, meeting: Meeting) -> str:
    return reverse(f"meetings:{name}", args=[meeting.pk])


def decode_png(png: bytes) -> str:
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)), formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(results) == 1
    return results[0].text


def svg_modules(svg: str) -> set[tuple[int, int]]:
    """The dark modules of a QR code SVG from core.qr, as (column, row): its path draws one
    unit square ("Mx,yH..V..H..z") per module."""
    root = ET.fromstring(svg)  # noqa: S314 (our own markup)
    assert root.tag == f"{SVG}svg"
    (path,) = root.iter(f"{SVG}path")
    return {(int(float(x)), int(float(y))) for x, y in re.findall(r"M([\d.]+),([\d.]+)H", path.get("d"))}


def matrix_modules(data: str) -> set[tuple[int, int]]:
    matrix = build_qr(data).get_matrix()
    return {(x, y) for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark}


def decode_svg(svg: str) -> str:
    """Draw the SVG's squares as pixels and read them as a phone's camera would."""
    scale = 8
    side = int(ET.fromstring(svg).get("viewBox").split()[2])  # noqa: S314
    image = Image.new("L", (side * scale, side * scale), 255)
    draw = ImageDraw.Draw(image)
    for x, y in svg_modules(svg):
        draw.rectangle([x * scale, y * scale, (x + 1) * scale - 1, (y + 1) * scale - 1], fill=0)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return decode_png(buffer.getvalue())


def inline_svg(page: str) -> str:
    (svg,) = re.findall(r"<svg\b.*?</svg>", page, flags=re.S)
    return svg


# --- The renderers ----------------------------------------------------------------------------


def test_png_decodes_to_the_data():
    assert decode_png(render_qr_png("https://attend.example.org/q/abc")) == "https://attend.example.org/q/abc"


def test_png_box_size_sets_the_pixels_per_module():
    small, large = (Image.open(io.BytesIO(render_qr_png("x", box_size=size))) for size in (4, 12))

    assert large.width == 3 * small.width


def test_svg_draws_exactly_the_qr_matrix_and_decodes():
    data = "https://attend.example.org/q/abc"
    svg = render_qr_svg(data)

    assert svg_modules(svg) == matrix_modules(data)
    assert decode_svg(svg) == data


def test_codes_survive_some_damage():
    # Error correction Q: a quarter of the code may be lost (a crease, a pin, a scribble).
    code = build_qr("https://attend.example.org/q/abc")

    assert code.error_correction == 3  # qrcode.constants.ERROR_CORRECT_Q


# --- Downloads --------------------------------------------------------------------------------


def test_png_download_encodes_the_check_in_url(staff_client):
    meeting = MeetingFactory(name="Tuesday Evening Group (Room 2)")

    response = staff_client.get(url("qr_png", meeting))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="tuesday-evening-group-room-2-qr.png"'
    assert meeting.checkin_url() == f"{PUBLIC_BASE_URL}/q/{meeting.qr_code}"
    assert decode_png(response.content) == meeting.checkin_url()


def test_svg_download_is_an_svg_file_of_the_check_in_url(staff_client):
    meeting = MeetingFactory(name="Tuesday Evening Group")

    response = staff_client.get(url("qr_svg", meeting))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Content-Disposition"] == 'attachment; filename="tuesday-evening-group-qr.svg"'
    body = response.content.decode()
    assert body.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    svg = body.split("\n", 1)[1]
    assert svg_modules(svg) == matrix_modules(meeting.checkin_url())
    assert decode_svg(svg) == meeting.checkin_url()


def test_a_name_without_letters_still_gives_a_file_name(staff_client):
    meeting = MeetingFactory(name="★★★")

    response = staff_client.get(url("qr_svg", meeting))

    assert response["Content-Disposition"] == 'attachment; filename="meeting-qr.svg"'


# --- Pages ------------------------------------------------------------------------------------


def test_detail_page_shows_the_code_inline(staff_client):
    meeting = MeetingFactory()

    page = staff_client.get(url("detail", meeting)).content.decode()

    assert decode_svg(inline_svg(page)) == meeting.checkin_url()
    assert f'href="{meeting.checkin_url()}"' in page


def test_poster_has_name_address_times_code_and_instructions(staff_client, settings):
    settings.TIME_ZONE = "America/Los_Angeles"
    start = dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC)
    meeting = MeetingFactory(
        name="Tuesday evening group",
        address="1 Main St, Salem",
        start_time=start,
        end_time=start + dt.timedelta(hours=1),
    )

    response = staff_client.get(url("poster", meeting))

    page = response.content.decode()
    assert "Tuesday evening group" in page
    assert "1 Main St, Salem" in page
    assert "Tue 24 Nov 2026, 6:00\N{EN DASH}7:00 pm PST" in page  # the schedule in words, local time
    assert "Scan with your phone's camera to check in." in page
    assert decode_svg(inline_svg(page)) == meeting.checkin_url()
    # Its own print styles, no inline script, nothing from another site.
    assert "/static/css/poster.css" in page
    assert "<script>" not in page
    assert "onclick" not in page
    assert not re.search(r'(src|href)="https?://(?!attend\.example\.org)', page)


def test_poster_of_an_inactive_meeting_warns_that_its_code_does_not_work(staff_client):
    meeting = MeetingFactory(is_active=False)

    page = staff_client.get(url("poster", meeting)).content.decode()

    assert "This meeting is inactive: its QR code checks no one in" in page


def test_after_rotation_every_form_of_the_code_is_the_new_one(staff_client):
    meeting = MeetingFactory()
    old_url = meeting.checkin_url()

    staff_client.post(url("rotate_qr", meeting))

    meeting.refresh_from_db()
    new_url = meeting.checkin_url()
    assert new_url != old_url
    detail = staff_client.get(url("detail", meeting)).content.decode()
    poster = staff_client.get(url("poster", meeting)).content.decode()
    assert old_url not in detail
    assert old_url not in poster
    assert decode_svg(inline_svg(detail)) == new_url
    assert decode_svg(inline_svg(poster)) == new_url
    assert decode_png(staff_client.get(url("qr_png", meeting)).content) == new_url
    svg_file = staff_client.get(url("qr_svg", meeting)).content.decode().split("\n", 1)[1]
    assert decode_svg(svg_file) == new_url


def test_a_repeating_meetings_poster_prints_its_schedule_and_next_dates(staff_client):
    import time_machine

    from meetings.services import cancel_occurrence

    start = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)  # Tuesday 24 Nov, 19:00 in Portland
    meeting = MeetingFactory(
        start_time=start, end_time=start + dt.timedelta(minutes=90), recurrence="FREQ=WEEKLY;BYDAY=TU"
    )
    cancel_occurrence(meeting, dt.date(2026, 12, 8), "Venue closed")
    with time_machine.travel(dt.datetime(2026, 11, 30, tzinfo=dt.UTC), tick=False):
        page = staff_client.get(url("poster", meeting)).content.decode()
    assert "Tuesdays 7:00\N{EN DASH}8:30 pm PST" in page
    assert "Next: Tue 1 Dec · Tue 8 Dec (cancelled) · Tue 15 Dec · Tue 22 Dec" in page
