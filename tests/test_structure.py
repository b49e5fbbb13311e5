"""The project's shape: notebooks papermill can drive, a package whose imports flow one way, and `make check`."""
import ast
import json
import re
import shutil
import subprocess

from conftest import ROOT

STAGES = sorted((ROOT / "notebooks").glob("0*.ipynb"))
# Floors of the house, bottom first, read from CONTRIBUTING.md's table (the one list): a module imports only modules on
# its
# own floor or below, never in a cycle.
def contributing_floors() -> list[list[str]]:
    rows = [line for line in (ROOT / "CONTRIBUTING.md").read_text().splitlines() if re.match(r"\| \d+ \|", line)]
    return [re.findall(r"`(\w+)`", row.split("|")[2]) for row in rows]


LAYERS = contributing_floors()
RANK = {m: i for i, layer in enumerate(LAYERS) for m in layer}


def test_every_stage_notebook_has_one_parameters_cell():
    assert [p.stem for p in STAGES] == ["01_eda", "02_features", "03_baselines", "04_tune", "05_train", "06_evaluate",
                                        "07_explain", "08_compression"]
    for path in STAGES:
        cells = json.loads(path.read_text())["cells"]
        tagged = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(tagged) == 1, f"{path.name}: {len(tagged)} cells tagged 'parameters'"
        assert "params_file =" in "".join(tagged[0]["source"])


def test_papermill_reads_every_parameter_without_a_warning(caplog):
    """papermill parses the parameters cell line by line; a second '=' on a line (even in a comment) hides that
    parameter."""
    import papermill
    for path in STAGES:
        with caplog.at_level("WARNING", logger="papermill"):
            names = set(papermill.inspect_notebook(str(path)))
        assert {"params_file", "overrides"} <= names, f"{path.name}: papermill sees only {sorted(names)}"
        assert not caplog.records, f"{path.name}: {caplog.records[0].getMessage()}"


def project_imports(path):
    "(module imported, at module level?) for every import of a tweetsent module in `path`."
    tree = ast.parse(path.read_text())
    top = {id(n) for n in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.level == 1 or (node.module or "").startswith("tweetsent")):
            module = node.module.removeprefix("tweetsent").lstrip(".") if node.module else ""
            names = [a.name for a in node.names] if not module else [module.split(".")[0]]
            for name in names: yield name, id(node) in top
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("tweetsent."): yield a.name.split(".")[1], id(node) in top


def test_imports_flow_one_way():
    modules = {p.stem for p in (ROOT / "tweetsent").glob("*.py")} - {"__init__", "__main__", "_modidx"}
    assert modules == set(RANK), f"modules without a floor, or floors without a module: {modules ^ set(RANK)}"
    graph = {}
    for m in modules:
        for target, at_top in project_imports(ROOT / "tweetsent" / f"{m}.py"):
            assert RANK[target] <= RANK[m], f"{m} (floor {RANK[m]}) imports {target} from floor {RANK[target]}"
            assert at_top or m == "cli", f"{m} imports {target} inside a function"
            graph.setdefault(m, set()).add(target)
    def visit(m, path):
        assert m not in path, f"import cycle: {' -> '.join(path + [m])}"
        for n in graph.get(m, ()): visit(n, path + [m])
    for m in modules: visit(m, [])


def copy_of_tree(tmp_path):
    "The parts of the checkout that `make check` reads, in a scratch folder (the venv is shared, not copied)."
    dst = tmp_path / "tree"
    shutil.copytree(ROOT, dst,
                    ignore=shutil.ignore_patterns(".venv", ".git", "outputs", "lexicons", "data",
                                                  "__pycache__", "*.egg-info"))
    return dst


def make_check(tree):
    return subprocess.run(["make", "-s", "check", f"VENV={ROOT / '.venv'}"], cwd=tree,
                          capture_output=True, text=True, timeout=300)


def test_make_check_passes_here_and_fails_on_drift(tmp_path):
    tree = copy_of_tree(tmp_path)
    r = make_check(tree)
    assert r.returncode == 0, r.stdout + r.stderr
    generated = tree / "tweetsent" / "params.py"                 # a hand edit of a generated module
    generated.write_text(generated.read_text() + "\nHAND_EDIT = 1\n")
    r = make_check(tree)
    assert r.returncode != 0 and "out of sync" in r.stdout
    nb_path = tree / "notebooks" / "03_baselines.ipynb"           # a notebook committed with outputs
    nb = json.loads(nb_path.read_text())
    code = next(c for c in nb["cells"] if c["cell_type"] == "code")
    code["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["hello\n"]}]
    nb_path.write_text(json.dumps(nb, indent=1))
    r = make_check(tree)
    assert r.returncode != 0 and "not clean" in r.stdout
    (tree / "tests" / "test_lint_bait.py").write_text("import os\n")   # a lint error
    r = make_check(tree)                                          # make check cleaned the notebook: on to ruff
    assert r.returncode != 0 and "not clean" not in r.stdout and "F401" in r.stdout, r.stdout[-2000:]
    (tree / "tests" / "test_lint_bait.py").unlink()
    lib = tree / "notebooks" / "lib" / "texts.ipynb"                # a type error in an exported cell
    nb = json.loads(lib.read_text())
    cell = next(c for c in nb["cells"] if "".join(c["source"]).startswith("#| export\ndef "))
    cell["source"] = "".join(cell["source"]) + '\n\ndef typo_bait() -> int:\n    return "not a number"\n'
    lib.write_text(json.dumps(nb, indent=1))
    make_check(tree)                                              # exports it (and says the package was out of sync)
    r = make_check(tree)
    assert r.returncode != 0 and "[return-value]" in r.stdout, r.stdout[-2000:]


# every library notebook, the command line's too
TEACHING = sorted((ROOT / "notebooks" / "lib").glob("*.ipynb"))


def test_stage_notebooks_are_analyses():
    """A stage notebook defines nothing and checks nothing: the parameters cell, then the analysis; its first figure
    comes early."""
    for path in STAGES:
        cells = json.loads(path.read_text())["cells"]
        for c in cells:
            src = "".join(c["source"])
            assert not src.startswith("#| export"), f"{path.name}: an export cell (definitions live in notebooks/lib)"
            if c["cell_type"] == "code":
                assert not re.search(r"^\s*(assert |test_eq|with pytest)|^(def|class) ", src,
                                     re.M), f"{path.name}: a definition or self-check: {src[:80]!r}"
    eda = json.loads((ROOT / "notebooks" / "01_eda.ipynb").read_text())["cells"]
    assert any("save_figure(" in "".join(c["source"]) for c in eda[:12]), "01_eda shows no figure in its first 12 cells"


def test_stage_notebooks_document_like_fastcore():
    "Every export cell is followed by a cell that shows or checks it, and every heading has a sentence under it."
    assert len(TEACHING) > 20
    for path in TEACHING:
        cells = json.loads(path.read_text())["cells"]
        for i, c in enumerate(cells):
            src = "".join(c["source"])
            if c["cell_type"] == "markdown":
                lines = [x for x in src.splitlines() if x.strip()]
                assert not (lines and lines[0].startswith("#") and len(lines)
                            == 1), f"{path.name}: bare heading {lines[0]!r}"
            if c["cell_type"] != "code" or not src.startswith("#| export"): continue
            body = ast.parse(src).body
            if not any(isinstance(n, (ast.FunctionDef, ast.ClassDef)) for n in body): continue   # imports and constants
            following = next((d for d in cells[i + 1:] if d["cell_type"] == "code"), None)
            assert following is not None and not "".join(following["source"]).startswith("#| export"), \
                f"{path.relative_to(ROOT)}: export cell {c['id']} has no check after it"


def test_every_export_cell_holds_one_public_definition():
    """fastcore's shape: a sentence, one definition (with the private helpers it alone uses), then its check; a cell
    of several public definitions hides which check covers which."""
    for path in sorted((ROOT / "notebooks" / "lib").glob("*.ipynb")):
        for c in json.loads(path.read_text())["cells"]:
            src = "".join(c["source"])
            if c["cell_type"] != "code" or not src.startswith("#| export"): continue
            public = [n.name for n in ast.parse(src).body
                      if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and not n.name.startswith("_")]
            assert len(public) <= 1, f"{path.relative_to(ROOT)}: export cell {c['id']} defines {public}; one per cell"


def test_every_run_and_model_folder_name_is_defined_once():
    "The file and folder names of lib/layout appear as literals nowhere else in the package."
    import tweetsent.layout as layout
    names = {v for k, v in vars(layout).items() if k.isupper() and isinstance(v, str)
             and k.endswith(("_FILE", "_DIR", "_DB", "_INDEX"))
             # file names, and folder names no ordinary word shares ("model", "runs" are words too)
             and ("." in v or "_" in v)}
    assert {"model_info.json", "metrics.json", "tuned.yaml", "backbone_config", "model.onnx"} <= names
    for path in sorted((ROOT / "tweetsent").glob("*.py")):
        if path.stem in ("layout", "_modidx"): continue
        text = path.read_text()
        for name in names:
            says = f"{path.name} spells {name!r}; import it from tweetsent.layout"
            assert f'"{name}"' not in text and f"'{name}'" not in text, says


def test_readme_shows_the_notebooks_own_parameters_cell():
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```python\n(params_file = .*?)```", readme, re.S).group(1).strip()
    for path in STAGES:
        cell = next(c for c in json.loads(path.read_text())["cells"]
                    if "parameters" in c.get("metadata", {}).get("tags", []))
        assert "".join(cell["source"]).startswith(block), f"{path.name}'s parameters cell differs from README's"
