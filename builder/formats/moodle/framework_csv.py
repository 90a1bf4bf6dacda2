"""A framework as the CSV that Moodle's tool_lpimportcsv reads.

Rules from shared/frameworks/MOODLE_COMPETENCY_CSV.md (Moodle's
admin/tool/lpimportcsv/classes/framework_importer.php): 14 columns read by
position, every row as many fields as the header, one framework row
("Is framework" 1) with the scale and its JSON configuration, domains with an
empty parent ID number, children naming their parent's ID number, every
field quoted, UTF-8 without BOM, LF line ends.
"""

from __future__ import annotations

import csv
import io
import json
from html import escape

from ...competency.model import Framework, Node

HEADER = ["Parent ID number", "ID number", "Short name", "Description", "Description format", "Scale values",
          "Scale configuration", "Rule type (optional)", "Rule outcome (optional)", "Rule config (optional)",
          "Cross-referenced competency ID numbers", "Exported ID (optional)", "Is framework", "Taxonomy"]
FORMAT_HTML = 1


def scale_configuration(fw: Framework) -> str:
    """[{"scaleid": placeholder}, {"id": n, "scaledefault": 0|1, "proficient": 0|1} per value]."""
    conf: list[dict] = [{"scaleid": "1"}]
    for i, v in enumerate(fw.scale_values, start=1):
        conf.append({"id": i, "scaledefault": int(v == fw.scale_default), "proficient": int(v in fw.scale_proficient)})
    return json.dumps(conf, separators=(",", ":"))


def _description(node_or_fw) -> str:
    parts = []
    text = (node_or_fw.description or "").strip()
    if text:
        parts.append(f"<p>{escape(text, quote=False)}</p>")
    if isinstance(node_or_fw, Node):
        if node_or_fw.provisional:
            parts.append("<p><em>Provisional: the place of this item in the published numbering is not confirmed."
                         "</em></p>")
        if not node_or_fw.domain.assessed and node_or_fw.level == "domain":
            parts.append(f"<p><em>Not assessed by these courses: {escape(node_or_fw.reason, quote=False)}</em></p>")
    return "".join(parts)


def framework_csv(fw: Framework) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    w.writerow(HEADER)
    prov = fw.provenance
    source = f"{fw.publisher}{f' ({fw.year})' if fw.year else ''}: {prov.get('source')}"
    about = (_description(fw) + f"<p>Source: {escape(source, quote=False)}. "
             "Descriptions are coursepack's own summaries.</p>")
    w.writerow(["", fw.idnumber, fw.shortname, about, FORMAT_HTML, ",".join(fw.scale_values),
                scale_configuration(fw), "", "", "", "", "", 1, ",".join(fw.taxonomies)])
    for node in fw.walk():
        desc = _description(node)
        parent = node.parent.id if node.parent is not None else ""
        w.writerow([parent, node.id, node.name, desc, FORMAT_HTML if desc else "", "", "", "", "", "", "", "", "",
                    ""])
    return out.getvalue().encode("utf-8")
