"""QR codes for meeting posters, rendered on the server (no image service, no CDN).

Error correction level Q restores up to a quarter of the code: a poster that is creased,
scuffed or partly covered by a drawing pin still scans.
"""

import io

import qrcode
import qrcode.image.pil
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_Q

# The quiet zone the QR standard asks for, in modules; scanners struggle without it.
BORDER_MODULES = 4
# 10 pixels per module makes a code of a few hundred pixels: sharp when printed at poster size.
DEFAULT_PNG_BOX_SIZE = 10
SVG_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


def build_qr(data: str, box_size: int = DEFAULT_PNG_BOX_SIZE) -> qrcode.QRCode:
    """The QR code for `data`, at the smallest version that holds it."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_Q, box_size=box_size, border=BORDER_MODULES)
    code.add_data(data)
    code.make(fit=True)
    return code


def render_qr_svg(data: str) -> str:
    """A standalone <svg> element (no XML declaration), so it can be placed inline in a page
    or, after `SVG_DECLARATION`, saved as a file. One path on a white background; one unit of
    the viewBox is one module, so CSS can size it freely."""
    image = build_qr(data).make_image(image_factory=qrcode.image.svg.SvgPathFillImage)
    return image.to_string(encoding="unicode")


def render_qr_png(data: str, box_size: int = DEFAULT_PNG_BOX_SIZE) -> bytes:
    """A black-on-white PNG with `box_size` pixels per module."""
    image = build_qr(data, box_size=box_size).make_image(image_factory=qrcode.image.pil.PilImage)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
