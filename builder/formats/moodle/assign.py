"""Reflective essays as Moodle assignments graded with a rubric (MOODLE_BACKUP_FORMAT.md §8, §11).

assign.xml carries the settings and the submission/feedback plugin configs
(the field list of the 4.5 and 5.1 reference backups); grading.xml holds the
rubric as an advanced-grading definition (area ``submissions``, active method
``rubric``, status 20 = ready); grades.xml the grade item, whose maximum is the
rubric's top score, so a rubric score maps one to one onto the grade.
"""

from __future__ import annotations

import calendar
import json
from typing import TYPE_CHECKING

from ...model.course import Page
from .xmlutil import container, f5, fields, root, sub, to_bytes

if TYPE_CHECKING:  # pragma: no cover
    from .backup import Activity, MoodleBackupWriter, Section

DAY = 86400

# Moodle's own defaults for a new rubric (gradingform_rubric_controller::get_default_options), as in the reference
RUBRIC_OPTIONS = {"sortlevelsasc": 1, "lockzeropoints": 1, "showdescriptionteacher": 1, "showdescriptionstudent": 1,
                  "showscoreteacher": 1, "showscorestudent": 1, "enableremarks": 1, "showremarksstudent": 1}

# completion: module.xml (completion, completionview, completiongradeitemnumber, completionpassgrade), completionsubmit
COMPLETION = {
    "submit": (2, 0, None, 0, 1),
    "grade": (2, 0, 0, 0, 0),
    "view": (2, 1, None, 0, 0),
    "manual": (1, 0, None, 0, 0),
    "none": (0, 0, None, 0, 0),
}


def course_start(w: "MoodleBackupWriter") -> int:
    d = w.course.start_date
    return calendar.timegm(d.timetuple()) if d is not None else 0


def assign_activity(w: "MoodleBackupWriter", page: Page, sec: "Section") -> "Activity":
    from .backup import Activity
    essay = page.essay
    assert essay is not None and essay.rubric is not None and page.rendered is not None
    rubric = essay.rubric
    cmid = w.cmid(page.key)
    ctx = w.contextid(page.key)
    inst = w.ids("assign", page.key)
    owner: list[int] = []
    intro = w.rewrite(page.rendered, ctx, "mod_assign", "intro", 0, owner)
    start = course_start(w)
    due = start + essay.due_days * DAY if essay.due_days is not None and start else 0
    grade = rubric.top_score
    completion, view, gradeitem, passgrade, submit = COMPLETION[essay.completion]
    if essay.completion == "grade" and essay.pass_ is not None:
        passgrade = 1
    body = root("assign", id=inst)
    items = [
        ("name", page.title), ("intro", intro), ("introformat", 1), ("alwaysshowdescription", 1),
        ("submissiondrafts", 1), ("sendnotifications", 0), ("sendlatenotifications", 0),
        ("sendstudentnotifications", 1), ("duedate", due), ("cutoffdate", 0), ("gradingduedate", 0),
        ("allowsubmissionsfromdate", 0), ("grade", int(round(grade))), ("timemodified", w.ts),
        ("completionsubmit", submit), ("requiresubmissionstatement", 0), ("teamsubmission", 0),
        ("requireallteammemberssubmit", 0), ("teamsubmissiongroupingid", 0), ("blindmarking", 0),
        ("hidegrader", 0), ("revealidentities", 0), ("attemptreopenmethod", "untilpass"), ("maxattempts", 1),
        ("markingworkflow", 0), ("markingallocation", 0), ("markinganonymous", 0),
        ("preventsubmissionnotingroup", 0), ("activity", None), ("activityformat", 0), ("timelimit", 0),
        ("submissionattachments", 0),
    ]
    if w.target.question_bank == "qbank":      # 5.x writes it; 4.x ignores it (MOODLE_LTS_DIFFERENCES §2.5)
        items.append(("gradepenalty", 0))
    fields(body, items)
    for tag in ("userflags", "submissions", "grades"):
        container(body, tag)
    configs = sub(body, "plugin_configs")
    online = "online_text" in essay.submission
    files = "file" in essay.submission
    rows = [
        ("onlinetext", "assignsubmission", "enabled", int(online)),
        ("onlinetext", "assignsubmission", "wordlimit", essay.word_limit or 0),
        ("onlinetext", "assignsubmission", "wordlimitenabled", int(bool(essay.word_limit))),
        ("file", "assignsubmission", "enabled", int(files)),
    ]
    if files:
        rows += [("file", "assignsubmission", "maxfilesubmissions", essay.max_files),
                 ("file", "assignsubmission", "maxsubmissionsizebytes", 0),
                 ("file", "assignsubmission", "filetypeslist", "")]
    rows += [
        ("comments", "assignsubmission", "enabled", 0),
        ("comments", "assignfeedback", "enabled", 1),
        ("comments", "assignfeedback", "commentinline", 0),
        ("editpdf", "assignfeedback", "enabled", 0),
        ("offline", "assignfeedback", "enabled", 0),
        ("file", "assignfeedback", "enabled", 0),
    ]
    for plugin, subtype, name, value in rows:
        pc = sub(configs, "plugin_config", id=w.ids("assign_plugin_config", f"{page.key}/{subtype}/{plugin}/{name}"))
        fields(pc, [("plugin", plugin), ("subtype", subtype), ("name", name), ("value", value)])
    container(body, "overrides")
    return Activity("assign", page.key, cmid, inst, ctx, sec, page.title, w._idnumber(page.key), body,
                    completion=completion, completionview=view, completion_grade_item=gradeitem,
                    completionpassgrade=passgrade, showdescription=1 if page.description else 0, file_ids=owner,
                    grades=w.grade_item_xml(page.key, page.title, "assign", inst, grade, essay.pass_points()),
                    extra={"grading.xml": grading_xml(w, page)})


def grading_xml(w: "MoodleBackupWriter", page: Page) -> bytes:
    essay = page.essay
    assert essay is not None and essay.rubric is not None
    rubric = essay.rubric
    areas = root("areas")
    area = sub(areas, "area", id=w.ids("grading_area", page.key))
    fields(area, [("areaname", "submissions"), ("activemethod", "rubric")])
    defs = sub(area, "definitions")
    d = sub(defs, "definition", id=w.ids("grading_definition", page.key))
    fields(d, [
        ("method", "rubric"), ("name", rubric.name), ("description", _paragraph(rubric.description)),
        ("descriptionformat", 1), ("status", 20), ("timecreated", w.ts), ("timemodified", w.ts),
        ("options", json.dumps(RUBRIC_OPTIONS, separators=(",", ":"))),
    ])
    plugin = sub(d, "plugin_gradingform_rubric_definition")
    crits = sub(plugin, "criteria")
    for n, c in enumerate(rubric.criteria, start=1):
        ckey = f"{page.key}/{c.id}"
        ce = sub(crits, "criterion", id=w.ids("gradingform_rubric_criterion", ckey))
        fields(ce, [("sortorder", n), ("description", c.description), ("descriptionformat", 0)])
        levels = sub(ce, "levels")
        for i, lv in enumerate(c.levels):
            le = sub(levels, "level", id=w.ids("gradingform_rubric_level", f"{ckey}/{i}"))
            fields(le, [("score", f5(lv.score)), ("definition", lv.definition), ("definitionformat", 0)])
    container(d, "instances")
    return to_bytes(areas)


def _paragraph(text: str) -> str:
    from html import escape
    text = (text or "").strip()
    return f"<p>{escape(text)}</p>" if text else ""
