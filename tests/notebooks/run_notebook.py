"""Executes one notebook with nbclient against the proxyrm kernel and prints a JSON summary of
its outputs (one entry per code cell: output types and MIME types), for tests/notebooks.test.ts.

usage: /usr/bin/python3 run_notebook.py NOTEBOOK.ipynb OUT.ipynb
"""
import json
import os
import sys

import nbformat
from nbclient import NotebookClient

src, out = sys.argv[1], sys.argv[2]
nb = nbformat.read(src, as_version=4)
client = NotebookClient(nb, kernel_name="proxyrm", timeout=600, resources={"metadata": {"path": os.path.dirname(os.path.abspath(src))}})
client.execute()
nbformat.write(nb, out)
cells = []
for cell in nb.cells:
    if cell.cell_type != "code":
        continue
    cells.append([
        {"type": o.output_type, "mime": sorted(o.get("data", {}).keys()), "name": o.get("name"), "ename": o.get("ename")}
        for o in cell.outputs
    ])
print(json.dumps(cells))
