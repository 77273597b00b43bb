"""The README's API table names every operation the API serves, and only those: a client
reading it should not have to find an endpoint in the prose (GET /register/check was)."""

import re
from itertools import takewhile
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
#: `GET/PATCH /records/{id}`, `/me/summary` (the method before carried on), `POST …/submit`
#: (the path before carried on); other spans in the cell (a body: `{code}`) are not operations.
SPAN = re.compile(r"(?:(?P<methods>[A-Z]+(?:/[A-Z]+)*) )?(?P<path>(?:/|…/)\S*)")
#: A path variable, named however the README names it ({id}, {year}-Q{n}) or the route does.
VARIABLE = re.compile(r"\{[^}]*\}(?:-Q\{[^}]*\})?|<[^>]+>")


def readme_operations() -> set[tuple[str, str]]:
    """(METHOD, path) named in the first column of the README's API table."""
    lines = README.read_text().splitlines()
    rows = lines[lines.index("| endpoint | who | what |") + 2 :]
    named, methods, path = set(), [], ""
    for row in takewhile(lambda line: line.startswith("|"), rows):
        for span in re.findall(r"`([^`]*)`", row.strip("|").split("|")[0]):
            found = SPAN.fullmatch(span.split("?")[0])
            if found is None:
                continue
            methods = found["methods"].split("/") if found["methods"] else methods
            text = found["path"]
            path = path + text.removeprefix("…") if text.startswith("…") else text
            named |= {(method, VARIABLE.sub("{}", path)) for method in methods}
    return named


def served_operations(app) -> set[tuple[str, str]]:
    return {
        (method, VARIABLE.sub("{}", rule.rule.removeprefix("/api/v1")))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_the_readme_table_names_exactly_the_operations_served(app):
    named = readme_operations()
    assert ("GET", "/register/check") in named and ("POST", "/team/reports/{}/submit") in named
    assert named == served_operations(app)
