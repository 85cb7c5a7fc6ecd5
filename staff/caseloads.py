"""'My caseload' or everyone's: which contacts a staff list shows (`?caseload=mine|all`).

A staff member with a caseload (contacts.caseloads.has_caseload) sees theirs first; one without
sees everyone's. The choice travels in the query string, so pagination and filters keep it.
"""

from dataclasses import dataclass

from django.http import HttpRequest

from contacts.caseloads import has_caseload

PARAMETER = "caseload"
MINE, ALL = "mine", "all"


@dataclass(frozen=True)
class Caseload:
    mine: bool  # the list shows only the signed-in user's contacts
    has_caseload: bool
    explicit: bool  # chosen in the address, rather than the default
    user_id: int | None

    @property
    def value(self) -> str:
        return MINE if self.mine else ALL

    @property
    def label(self) -> str:
        return "My caseload" if self.mine else "Everyone's"


def caseload_for(request: HttpRequest, *, default_mine: bool = True) -> Caseload:
    """Which list `request` asks for; `default_mine=False` when the list is already narrowed to
    one contact (a link from their page), where a default would hide them."""
    asked = request.GET.get(PARAMETER)
    owns = has_caseload(request.user)
    if asked in (MINE, ALL):
        mine, explicit = asked == MINE, True
    else:
        mine, explicit = owns and default_mine, False
    return Caseload(mine=mine, has_caseload=owns, explicit=explicit, user_id=request.user.pk)
