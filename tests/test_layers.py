"""The layer drawing in wiki/__init__.py is true: every module is in it, and every import
made when a module runs (not those only for type checkers) points to its row or below."""
from __future__ import annotations

import ast
from pathlib import Path

import wiki

PACKAGE = Path(wiki.__file__).parent


def drawing_rows() -> list[set[str]]:
    """The module names of each row of the drawing, top row first."""
    block = wiki.__doc__.split("::\n\n", 1)[1].split("\n\n", 1)[0]  # type: ignore[union-attr]
    rows: list[set[str]] = []
    for line in block.splitlines():
        label, modules = line[4:18], line[18:57]
        if label.strip():
            rows.append(set())
        rows[-1].update(modules.split())
    return rows


def module_name(path: Path) -> str:
    relative = path.relative_to(PACKAGE).with_suffix("")
    if relative.parts[0] == "views":
        return "views/*"
    return ".".join(relative.parts)


def runtime_imports(path: Path) -> set[str]:
    """Modules of this package that `path` imports when it runs (lazy imports in functions included)."""
    found: set[str] = set()

    def add(dotted: str) -> None:
        parts = dotted.split(".")
        if parts[0] != "wiki" or len(parts) == 1:
            return
        found.add("views/*" if parts[1] == "views" else parts[1])

    class Visitor(ast.NodeVisitor):
        def visit_If(self, node: ast.If) -> None:
            test = node.test
            if getattr(test, "id", None) == "TYPE_CHECKING" or getattr(test, "attr", None) == "TYPE_CHECKING":
                for child in node.orelse:
                    self.visit(child)
                return
            self.generic_visit(node)

        def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
            if node.module == "wiki":
                for alias in node.names:
                    if alias.name != "__version__":
                        add(f"wiki.{alias.name}")
            elif node.module:
                add(node.module)

        def visit_Import(self, node: ast.Import) -> None:
            for alias in node.names:
                add(alias.name)

    Visitor().visit(ast.parse(path.read_text("utf-8")))
    return found


def test_every_module_is_drawn_once() -> None:
    rows = drawing_rows()
    drawn = [name for row in rows for name in row]
    assert len(drawn) == len(set(drawn)), "a module is drawn twice"
    modules = {module_name(p) for p in PACKAGE.rglob("*.py") if p.name != "__init__.py"}
    assert modules <= set(drawn), f"not in the drawing: {sorted(modules - set(drawn))}"
    assert len(rows) == 8


def test_imports_point_down_the_drawing() -> None:
    rows = drawing_rows()
    row_of = {name: index for index, row in enumerate(rows) for name in row}
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "__init__.py":
            continue
        importer = module_name(path)
        for imported in runtime_imports(path):
            if row_of[imported] < row_of[importer]:
                wrong.append(f"{path.relative_to(PACKAGE)} imports {imported}, which is drawn above it")
    assert wrong == []


def test_the_check_catches_an_upward_import(tmp_path: Path) -> None:
    """The rule can fail: storage importing the web layer would be caught."""
    sample = tmp_path / "sample.py"
    sample.write_text("from wiki.views.base import themed\nfrom wiki import site\n")
    assert runtime_imports(sample) == {"views/*", "site"}
