"""Executes notebooks with the proxyrm kernel, saves them executed, and publishes HTML copies.

usage: /usr/bin/python3 scripts/notebooks/publish.py NAME...   (run by scripts/notebooks.sh)

- Each notebooks/NAME.ipynb is executed in notebooks/ (nbclient, kernel "proxyrm") and written
  back with its outputs, minus the plotly loader (4.8 MB) that the first figure output of a
  kernel inlines: in JupyterLab the proxyrm extension draws the application/vnd.proxyrm.*
  outputs, and the HTML copies load plotly once from docs/notebooks/plotly.min.js. A cell error
  stops the script with exit 1 and leaves the notebook as it was.
- docs/notebooks/NAME.html is Debian's nbconvert HTML of the executed notebook, with a
  <script src="plotly.min.js"> in its head so every figure draws offline.
"""
import os
import re
import shutil
import sys

import nbformat
from nbclient import NotebookClient
from nbconvert import HTMLExporter

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
NOTEBOOKS = os.path.join(ROOT, "notebooks")
OUT = os.path.join(ROOT, "docs", "notebooks")
PLOTLY = os.path.join(ROOT, "node_modules", "plotly.js-dist-min", "plotly.min.js")
# kernel-ext/src/notebook/html.ts plotlyLoaderScript(): the script that defines window.Plotly.
LOADER = re.compile(r'<script>if \(typeof window !== "undefined" && !window\.Plotly\) \{ \(function \(module\) \{\n.*?\n\}\)\(undefined\); \}</script>', re.S)


def strip_loader(nb):
    stripped = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            html = output.get("data", {}).get("text/html")
            if isinstance(html, str) and LOADER.search(html):
                output["data"]["text/html"] = LOADER.sub("", html)
                stripped += 1
    return stripped


def main(names):
    if not names:
        print("usage: publish.py NAME... (notebooks/NAME.ipynb)", file=sys.stderr)
        return 2
    for name in names:
        if not os.path.exists(os.path.join(NOTEBOOKS, f"{name}.ipynb")):
            print(f"publish.py: notebooks/{name}.ipynb not found", file=sys.stderr)
            return 2
    os.makedirs(OUT, exist_ok=True)
    shutil.copyfile(PLOTLY, os.path.join(OUT, "plotly.min.js"))
    for name in names:
        path = os.path.join(NOTEBOOKS, f"{name}.ipynb")
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = []
                cell.execution_count = None
        NotebookClient(nb, kernel_name="proxyrm", timeout=1800, resources={"metadata": {"path": NOTEBOOKS}}).execute()
        errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
        if errors:
            print(f"publish.py: {name}: {errors[0].ename}: {errors[0].evalue}", file=sys.stderr)
            return 1
        stripped = strip_loader(nb)
        tmp = f"{path}.tmp"
        nbformat.write(nb, tmp)
        os.replace(tmp, path)
        body, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
        body = body.replace("<head>", '<head>\n<script src="plotly.min.js"></script>', 1)
        html_path = os.path.join(OUT, f"{name}.html")
        with open(f"{html_path}.tmp", "w", encoding="utf-8") as f:
            f.write(body)
        os.replace(f"{html_path}.tmp", html_path)
        print(f"{name}: executed ({stripped} plotly loader(s) stripped), {os.path.getsize(path) // 1024} KB; docs/notebooks/{name}.html {len(body) // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
