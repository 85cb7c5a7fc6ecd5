"""The code base's shape, checked from the modules' own imports (README: "What is here").

Dependencies point one way: core <- contacts, meetings <- access <- attendance <- mandates <- the interfaces
(staff, portal, api) and the tools (legacy, operations, demo) <- compliance, which only wires.
Each check reads the source with `ast`, so it holds for imports inside functions too, and each
is also run against a made-up module to show that it can fail.
"""

import ast
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Each package's layer: a package may import only packages of a lower layer (and itself).
LAYERS: dict[str, int] = {
    "core": 0,
    "contacts": 1,
    "policies": 1,
    "meetings": 2,
    "access": 2,
    "attendance": 3,
    "mandates": 4,
    "staff": 5,
    "portal": 5,
    "api": 5,
    "legacy": 5,
    "operations": 5,
    "demo": 5,
    "compliance": 6,
}
# Top-level directories with Python that are not the product: they may import it, never the reverse.
NOT_PRODUCT = {"tests", "bench", "tools", "deploy", "docs", "static", "templates"}
FIRST_PARTY = set(LAYERS) | NOT_PRODUCT
DOMAIN = {"core", "contacts", "policies", "meetings", "access", "attendance", "mandates"}
INTERFACES = {"staff", "portal", "api"}
# Modules that belong to the package that defines them: no other package imports them.
PRIVATE_MODULE_NAMES = {"views", "forms", "urls", "api"}
PROJECT_WIRING = {"__init__.py", "settings.py", "urls.py", "wsgi.py", "asgi.py", "gunicorn_logging.py"}


@dataclass(frozen=True)
class Import:
    source: str  # the importing file, relative to the project root
    package: str  # the importing package
    module: str  # the imported module's dotted name

    @property
    def target(self) -> str:
        return self.module.split(".")[0]


def imports_in(source: str, path: str) -> Iterator[Import]:
    """The project-package imports in one module's source (absolute imports only: the code base
    has no relative ones, and ruff's isort keeps them absolute)."""
    package = path.split("/")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            if name.split(".")[0] in FIRST_PARTY:
                yield Import(path, package, name)


def project_imports() -> list[Import]:
    found = []
    for package in LAYERS:
        for file in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in file.parts:
                continue  # frozen history: they may name a field class wherever it lived
            path = file.relative_to(ROOT).as_posix()
            found.extend(imports_in(file.read_text(encoding="utf-8"), path))
    return found


def cycles(imports: list[Import]) -> list[tuple[str, str]]:
    """Pairs of packages that import each other, directly or through others."""
    edges = {(i.package, i.target) for i in imports if i.package != i.target and i.target in LAYERS}
    reach = {package: {target for source, target in edges if source == package} for package in LAYERS}
    changed = True
    while changed:  # transitive closure; a dozen packages, so the simple way is fine
        changed = False
        for targets in reach.values():
            more = set().union(*(reach.get(target, set()) for target in targets)) - targets
            if more:
                targets |= more
                changed = True
    return sorted((a, b) for a, b in itertools.combinations(sorted(LAYERS), 2) if b in reach[a] and a in reach[b])


def layer_violations(imports: list[Import]) -> list[str]:
    return [
        f"{i.source} imports {i.module}: {i.package} (layer {LAYERS[i.package]}) may only import lower layers"
        for i in imports
        if i.package != i.target and (i.target not in LAYERS or LAYERS[i.target] >= LAYERS[i.package])
    ]


def private_module_violations(imports: list[Import]) -> list[str]:
    """Another package's pages, forms, URLs or API, imported from outside it. Only the project's
    URL configuration (compliance) includes them."""
    return [
        f"{i.source} imports {i.module}, which belongs to {i.target}"
        for i in imports
        if i.package not in {i.target, "compliance"}
        and (i.target in INTERFACES or PRIVATE_MODULE_NAMES & set(i.module.split(".")[1:]))
    ]


def domain_violations(imports: list[Import]) -> list[str]:
    return [
        f"{i.source} imports {i.module}: a domain package imports no page, API or tool package"
        for i in imports
        if i.package in DOMAIN and i.target not in DOMAIN
    ]


def core_violations(imports: list[Import]) -> list[str]:
    return [
        f"{i.source} imports {i.module}: core imports no other package"
        for i in imports
        if i.package == "core" and i.target != "core"
    ]


def _event_model_names(tree: ast.AST) -> set[str]:
    """Names bound to the SessionEvent model: the class, import aliases, plain assignments."""
    names = {"SessionEvent"}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names |= {alias.asname for alias in node.names if alias.name == "SessionEvent" and alias.asname}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name) and node.value.id in names:
            names |= {target.id for target in node.targets if isinstance(target, ast.Name)}
    return names


def event_writers(source: str, path: str) -> list[str]:
    """Places that construct or bulk-write session events outside attendance's services."""
    tree = ast.parse(source)
    models = _event_model_names(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in models:
            found.append(f"{path}:{node.lineno} constructs a SessionEvent")
        elif isinstance(func, ast.Attribute) and func.attr in {"create", "bulk_create", "get_or_create", "model"}:
            owner = ast.unparse(func.value)
            if owner.split(".")[0] in models or owner.endswith("events") or "SessionEvent" in owner:
                found.append(f"{path}:{node.lineno} calls {owner}.{func.attr}")
    return found


IMPORTS = project_imports()


def test_the_check_reads_real_imports():
    """A guard for the guard: the checks below are only as good as what they read."""
    assert len(IMPORTS) > 100
    assert Import("api/attendance.py", "api", "attendance.services") in IMPORTS


def test_no_import_cycle_between_packages():
    assert cycles(IMPORTS) == []


def test_each_package_imports_only_lower_layers():
    assert layer_violations(IMPORTS) == []


def test_core_imports_no_other_package():
    assert core_violations(IMPORTS) == []


def test_domain_packages_import_no_page_api_or_tool_package():
    assert domain_violations(IMPORTS) == []


def test_no_package_imports_another_packages_views_forms_urls_or_api():
    assert private_module_violations(IMPORTS) == []


def test_every_python_package_has_a_place_in_the_layers():
    """A new top-level package must be placed above (LAYERS) or named as not the product."""
    packages = {path.parent.name for path in ROOT.glob("*/__init__.py")}
    assert packages - FIRST_PARTY == set()


def test_the_project_package_holds_only_wiring():
    files = {
        path.relative_to(ROOT / "compliance").as_posix() for path in (ROOT / "compliance").rglob("*") if path.is_file()
    }
    assert {f for f in files if "__pycache__" not in f} <= PROJECT_WIRING


def test_only_attendance_services_write_events():
    found = []
    for package in LAYERS:
        for file in sorted((ROOT / package).rglob("*.py")):
            path = file.relative_to(ROOT).as_posix()
            if "migrations" in file.parts or path == "attendance/services.py":
                continue
            found.extend(event_writers(file.read_text(encoding="utf-8"), path))
    assert found == []
    # and the services do write them, so the check looks at the right names
    assert event_writers((ROOT / "attendance/services.py").read_text(encoding="utf-8"), "attendance/services.py")


# Each check fails on the fault it is for.


@pytest.mark.parametrize(
    ("path", "source", "check"),
    [
        ("core/bad.py", "from attendance.models import Session", core_violations),
        ("contacts/bad.py", "def f():\n    from attendance import services", layer_violations),
        ("meetings/bad.py", "import access.models", layer_violations),
        ("attendance/bad.py", "from staff.views import contacts", domain_violations),
        ("portal/bad.py", "from staff.forms.contacts import ContactForm", private_module_violations),
        ("api/bad.py", "from portal import views", private_module_violations),
        ("demo/bad.py", "import api.attendance", private_module_violations),
        ("core/bad.py", "from tests.factories import MeetingFactory", core_violations),
        ("attendance/bad.py", "import bench.data", layer_violations),
    ],
)
def test_each_check_catches_its_fault(path, source, check):
    assert check(list(imports_in(source, path)))


def test_a_cycle_is_caught():
    made_up = [
        Import("contacts/a.py", "contacts", "meetings.models"),
        Import("meetings/b.py", "meetings", "contacts.models"),
    ]
    assert cycles(made_up) == [("contacts", "meetings")]


@pytest.mark.parametrize(
    "source",
    [
        "SessionEvent(session=s, type='check_in')",
        "SessionEvent.objects.create(session=s)",
        "session.events.create(type='check_in')",
        "SessionEvent.objects.bulk_create(rows)",
        "from attendance.models import SessionEvent as E\nE.objects.create(session=s)",
        "from attendance.models import SessionEvent\nmodel = SessionEvent\nmodel(session=s)",
        "session.events.model(session=session)",
    ],
)
def test_an_event_written_elsewhere_is_caught(source):
    assert event_writers(source, "demo/bad.py")
