"""Check a .mbz against the rules a Moodle restore silently depends on.

Every rule here comes from shared/reference/MOODLE_BACKUP_FORMAT.md (the
"values that must agree" table, §1–§13 and the trap list). Most of these
mistakes do not make Moodle fail: the restore reports success and quietly
drops files, questions or competency links. So the checker is run on every
backup the tests build, and on the real Moodle backups in shared/reference
(which must pass it) to keep the checker itself honest.

Usage: ``problems = verify_mbz(data)``; an empty list means clean.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
import tarfile
import zipfile
from dataclasses import dataclass, field
from urllib.parse import unquote

from lxml import etree

DECL = b'<?xml version="1.0" encoding="UTF-8"?>'
NULL = "$@NULL@$"
QUIZ_MIN_VERSION = 2022020300
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


@dataclass
class Backup:
    entries: dict[str, bytes]
    members: list[tarfile.TarInfo] = field(default_factory=list)
    is_tar: bool = True

    def xml(self, name: str) -> etree._Element | None:
        data = self.entries.get(name)
        if data is None or not data.strip():
            return None
        return etree.fromstring(data, _PARSER)


def open_backup(data: bytes) -> Backup:
    if data[:2] == b"\x1f\x8b":
        raw = gzip.decompress(data)
        tar = tarfile.open(fileobj=io.BytesIO(raw), mode="r:")
        members = tar.getmembers()
        entries = {}
        for m in members:
            if m.isfile():
                f = tar.extractfile(m)
                entries[_norm(m.name)] = f.read() if f else b""
        return Backup(entries, members, True)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        entries = {_norm(n): zf.read(n) for n in zf.namelist() if not n.endswith("/")}
    return Backup(entries, [], False)


def _norm(name: str) -> str:
    return name[2:] if name.startswith("./") else name


def _t(el: etree._Element | None, path: str, default: str | None = None) -> str | None:
    if el is None:
        return default
    found = el.find(path)
    if found is None:
        return default
    return found.text or ""


def verify_mbz(data: bytes, strict_archive: bool = True) -> list[str]:
    """All problems found in a backup (empty when it is clean)."""
    problems: list[str] = []
    add = problems.append
    try:
        b = open_backup(data)
    except Exception as exc:  # noqa: BLE001 - any archive failure is a finding
        return [f"archive cannot be opened: {exc}"]

    # §1 archive --------------------------------------------------------------
    if b.is_tar and strict_archive:
        for m in b.members:
            if m.type in (tarfile.XHDTYPE, tarfile.XGLTYPE, tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK):
                add(f"archive member {m.name!r} uses a PAX/GNU header; Moodle reads only plain ustar")
        raw = gzip.decompress(data)
        # ustar magic of each header block: "ustar\x0000"
        off = 0
        while off + 512 <= len(raw):
            block = raw[off:off + 512]
            if block == b"\0" * 512:
                break
            if block[257:263] != b"ustar\x00":
                add(f"archive header at offset {off} is not POSIX ustar")
                break
            if block[156:157] not in (b"0", b"\0", b"5"):
                add(f"archive header at offset {off} has type {block[156:157]!r}: Moodle reads only plain "
                    "files and folders (no PAX or GNU extension headers)")
                break
            size = int(block[124:136].rstrip(b"\0 ") or b"0", 8)
            off += 512 + ((size + 511) // 512) * 512
    for name in b.entries:
        if "/" in name and name.split("/", 1)[0] not in ("activities", "sections", "course", "files"):
            add(f"archive entry {name!r} is not at the archive root (a wrapping folder breaks restore)")

    # §3 moodle_backup.xml ------------------------------------------------------
    mb_raw = b.entries.get("moodle_backup.xml")
    if mb_raw is None:
        return problems + ["moodle_backup.xml is missing"]
    head = mb_raw[:200]
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if not head.startswith(DECL):
        add('moodle_backup.xml must start with the byte-exact declaration <?xml version="1.0" encoding="UTF-8"?>')
    if b"<moodle_backup>" not in head or b"<information>" not in head:
        add("moodle_backup.xml: <moodle_backup> and <information> must be within the first 200 bytes")
    try:
        mb = b.xml("moodle_backup.xml")
    except etree.XMLSyntaxError as exc:
        return problems + [f"moodle_backup.xml is not well-formed: {exc}"]
    info = mb.find("information")
    if info is None:
        return problems + ["moodle_backup.xml has no <information>"]
    for f in ("backup_version", "backup_release", "moodle_version", "moodle_release", "original_course_id",
              "original_course_contextid", "original_system_contextid", "original_course_fullname",
              "original_course_shortname", "original_site_identifier_hash", "original_wwwroot", "backup_date"):
        if info.find(f) is None or not (info.find(f).text or "").strip():
            add(f"moodle_backup.xml: <{f}> is missing or empty")
    rel = _t(info, "backup_release", "") or ""
    mv = _t(info, "moodle_version", "") or ""
    if rel and _release_tuple(rel) < (4, 0):
        add(f"backup_release {rel} < 4.0: Moodle would read questions in the pre-4.0 layout and drop them all")
    if mv and (not mv[:8].isdigit() or int(mv[:8]) < 20220202):
        add(f"moodle_version {mv} is older than 20220202: questions would be dropped silently")
    detail = info.find("details/detail")
    if detail is None:
        add("moodle_backup.xml: details/detail is missing")
    else:
        if _t(detail, "type") != "course":
            add("details/detail/type must be 'course'")
        if _t(detail, "mode") != "10":
            add("details/detail/mode must be 10 (general)")
    settings = {}
    for s in info.findall("settings/setting"):
        settings[(_t(s, "level"), _t(s, "section") or _t(s, "activity") or "", _t(s, "name"))] = _t(s, "value")
    if settings.get(("root", "", "activities")) != "1":
        add("root setting 'activities' must be 1, or no activity is restored")

    # course -------------------------------------------------------------------
    course = b.xml("course/course.xml")
    course_id = _t(info, "original_course_id")
    course_ctx = _t(info, "original_course_contextid")
    if course is None:
        add("course/course.xml is missing or empty")
    else:
        if course.get("id") != course_id:
            add(f"course.xml id {course.get('id')} != original_course_id {course_id}")
        if course.get("contextid") != course_ctx:
            add(f"course.xml contextid {course.get('contextid')} != original_course_contextid {course_ctx}")
        for f, mf in (("fullname", "original_course_fullname"), ("shortname", "original_course_shortname")):
            if _t(course, f) != _t(info, mf):
                add(f"course.xml {f} differs from moodle_backup.xml {mf} (the manifest wins on restore)")
        for f in ("startdate", "summaryformat", "format", "enablecompletion", "defaultgroupingid", "theme"):
            if course.find(f) is None:
                add(f"course.xml has no <{f}>")
    contents_course = info.find("contents/course")
    if contents_course is not None and _t(contents_course, "courseid") != course_id:
        add("contents/course/courseid differs from original_course_id")

    for req in ("files.xml", "questions.xml", "groups.xml", "outcomes.xml", "scales.xml", "roles.xml",
                "course/roles.xml"):
        if req not in b.entries:
            add(f"{req} is missing (restore aborts with 'Backup is missing XML file')")
    for opt, setting in (("course/calendar.xml", "calendarevents"), ("course/filters.xml", "filters"),
                         ("course/contentbank.xml", "contentbankcontent")):
        if settings.get(("root", "", setting)) == "1" and opt not in b.entries:
            add(f"{opt} is missing while root setting '{setting}' is 1")

    # sections ---------------------------------------------------------------
    sections: dict[str, dict] = {}
    for s in info.findall("contents/sections/section"):
        sid = _t(s, "sectionid")
        directory = _t(s, "directory") or ""
        sx = b.xml(f"{directory}/section.xml")
        if sx is None:
            add(f"{directory}/section.xml is missing or empty")
            continue
        if sx.get("id") != sid:
            add(f"{directory}/section.xml id {sx.get('id')} != contents sectionid {sid}")
        for f in ("number", "name", "summary", "summaryformat", "sequence", "visible"):
            if sx.find(f) is None:
                add(f"{directory}/section.xml has no <{f}>")
        sections[sid] = {"number": _t(sx, "number"), "dir": directory}
    numbers = sorted(int(v["number"]) for v in sections.values() if (v["number"] or "").isdigit())
    if numbers != list(range(len(numbers))):
        add(f"section numbers must run 0,1,2,… without gaps; found {numbers}")
    if 0 not in numbers:
        add("section 0 is not in the backup: activities placed there would vanish")

    # activities -------------------------------------------------------------
    questions = b.xml("questions.xml")
    cmids: set[str] = set()
    modnames: dict[str, str] = {}   # module id -> module name
    contexts: dict[str, str] = {}   # activity contextid -> directory
    act_files: dict[str, set[str]] = {}
    act_qcats: dict[str, set[str]] = {}
    acts = info.findall("contents/activities/activity")
    for a in acts:
        cmid = _t(a, "moduleid")
        modname = _t(a, "modulename")
        directory = _t(a, "directory") or ""
        sid = _t(a, "sectionid")
        if cmid in cmids:
            add(f"module id {cmid} is used by two activities")
        cmids.add(cmid)
        modnames[cmid] = modname or ""
        if sid not in sections:
            add(f"activity {directory} lives in section {sid}, which is not in the backup")
        mod = b.xml(f"{directory}/module.xml")
        if mod is None:
            add(f"{directory}/module.xml is missing or empty")
            continue
        if mod.get("id") != cmid:
            add(f"{directory}/module.xml id {mod.get('id')} != contents moduleid {cmid}")
        ver = mod.get("version")
        if not ver or not ver.isdigit():
            add(f"{directory}/module.xml has no numeric version attribute")
        elif modname == "quiz" and int(ver) < QUIZ_MIN_VERSION:
            add(f"{directory}: quiz module version {ver} < {QUIZ_MIN_VERSION} (legacy slot code, DB error)")
        if _t(mod, "modulename") != modname:
            add(f"{directory}/module.xml modulename {_t(mod, 'modulename')} != {modname}")
        if _t(mod, "sectionid") != sid:
            add(f"{directory}/module.xml sectionid != contents sectionid")
        if sid in sections and _t(mod, "sectionnumber") != sections[sid]["number"]:
            add(f"{directory}/module.xml sectionnumber != the section's number")
        if mod.find("completionexpected") is None:
            add(f"{directory}/module.xml has no <completionexpected> (NOT NULL)")
        for req in ("grades.xml", "roles.xml", f"{modname}.xml"):
            if f"{directory}/{req}" not in b.entries:
                add(f"{directory}/{req} is missing")
        ax = b.xml(f"{directory}/{modname}.xml")
        if ax is None:
            add(f"{directory}/{modname}.xml is empty")
            continue
        if ax.get("moduleid") != cmid or ax.get("modulename") != modname:
            add(f"{directory}/{modname}.xml moduleid/modulename do not match the activity")
        ctx = ax.get("contextid")
        if not ctx:
            add(f"{directory}/{modname}.xml has no contextid attribute")
        elif ctx in contexts:
            add(f"context id {ctx} is used by two activities")
        else:
            contexts[ctx] = directory
        if ax.find(modname) is None or ax.find(modname).get("id") != ax.get("id"):
            add(f"{directory}/{modname}.xml: <{modname} id> must equal <activity id>")
        inforef = b.xml(f"{directory}/inforef.xml")
        act_files[directory] = {e.text for e in inforef.findall("fileref/file/id")} if inforef is not None else set()
        act_qcats[directory] = ({e.text for e in inforef.findall("question_categoryref/question_category/id")}
                                if inforef is not None else set())
        if modname == "quiz":
            _verify_quiz(b, directory, ax, questions, add)
        completion = _t(mod, "completion")
        if completion == "2" and _t(mod, "completionpassgrade") == "1":
            if _t(mod, "completiongradeitemnumber") != "0":
                add(f"{directory}: pass-grade completion needs completiongradeitemnumber 0")
            g = b.xml(f"{directory}/grades.xml")
            gp = g.find("grade_items/grade_item/gradepass") if g is not None else None
            if gp is None or float(gp.text or 0) <= 0:
                add(f"{directory}: pass-grade completion needs a gradepass > 0 in grades.xml")
    for (level, key, name), _v in settings.items():
        if level == "activity" and not any((_t(a, "directory") or "").endswith("/" + key) for a in acts):
            add(f"activity setting {name} points at unknown activity {key}")
        if level == "section" and not any(v["dir"].endswith("/" + key) for v in sections.values()):
            add(f"section setting {name} points at unknown section {key}")

    # §9 files ----------------------------------------------------------------
    fx = b.xml("files.xml")
    records: dict[str, etree._Element] = {}
    if fx is not None:
        for f in fx.findall("file"):
            fid = f.get("id")
            if fid in records:
                add(f"files.xml: file id {fid} appears twice")
            records[fid] = f
            h = _t(f, "contenthash") or ""
            name = _t(f, "filename")
            ctx = _t(f, "contextid")
            for req in ("userid", "source", "author", "license", "filesize", "mimetype", "component", "filearea"):
                if f.find(req) is None:
                    add(f"files.xml record {fid} has no <{req}>")
            if name != ".":
                pool = f"files/{h[:2]}/{h}"
                content = b.entries.get(pool)
                if content is None:
                    add(f"file {name!r} (id {fid}): pool file {pool} is missing")
                else:
                    if hashlib.sha1(content).hexdigest() != h:
                        add(f"file {name!r}: contenthash does not match its content")
                    if str(len(content)) != _t(f, "filesize"):
                        add(f"file {name!r}: filesize {_t(f, 'filesize')} != {len(content)} bytes")
            owner = contexts.get(ctx)
            if owner is None and ctx != course_ctx:
                add(f"file {name!r} (id {fid}) has contextid {ctx}, which is no activity's context")
            elif owner is not None and fid not in act_files.get(owner, set()):
                add(f"file {name!r} (id {fid}) is not listed in {owner}/inforef.xml: it would be dropped")
    # every @@PLUGINFILE@@ link must resolve to a file record of its activity
    for ctx, directory in contexts.items():
        modname = directory.rsplit("/", 1)[1].rsplit("_", 1)[0]
        raw = b.entries.get(f"{directory}/{modname}.xml", b"").decode("utf-8", "replace")
        names = {(_t(r, "filepath") or "/") + (_t(r, "filename") or "")
                 for r in records.values() if _t(r, "contextid") == ctx}
        for m in re.finditer(r"@@PLUGINFILE@@(/[^\"'&<>\s]*)", raw):
            path = unquote(m.group(1))
            if path not in names:
                add(f"{directory}: content links {m.group(0)!r} but no file {path!r} is in its file area")
        for m in re.finditer(r"\$@([A-Z]+)VIEWBYID\*(\d+)@\$", raw):
            kind, num = m.group(1), m.group(2)
            if kind == "COURSE":
                if num != course_id:
                    add(f"{directory}: link to course {num}, not this backup's course")
            elif num not in cmids:
                add(f"{directory}: encoded link to module {num} which is not in the backup")
            elif kind != modnames[num].upper():
                # each module's restore decodes only its own kind: a PAGE link to a quiz opens an error page
                add(f"{directory}: link {m.group(0)} names a {kind.lower()} but module {num} is a {modnames[num]}")
    for name in b.entries:
        if name.startswith("files/") and name.count("/") != 2:
            add(f"pool file {name} is not at files/<2 hex>/<hash>")

    # §6 questions --------------------------------------------------------------
    _verify_questions(questions, contexts, act_qcats, add)

    # §8 rubrics, §10 competencies -------------------------------------------------
    _verify_grading_and_competencies(b, [_t(a, "directory") or "" for a in acts], add)

    # §11 completion --------------------------------------------------------------
    comp = b.xml("completion.xml")
    if comp is not None:
        for crit in comp.findall("course_completion_criteria"):
            if _t(crit, "criteriatype") == "4" and _t(crit, "moduleinstance") not in cmids:
                add(f"completion criterion points at module {_t(crit, 'moduleinstance')} which is not in the backup")
    return problems


def _verify_grading_and_competencies(b: Backup, directories: list[str], add) -> None:
    """§8: an active rubric needs its definition; §10: links need the fields restore maps them by."""
    for d in directories:
        g = b.xml(f"{d}/grading.xml") if f"{d}/grading.xml" in b.entries else None
        for area in g.findall("area") if g is not None else []:
            method = _t(area, "activemethod")
            defs = [x for x in area.findall("definitions/definition") if _t(x, "method") == method]
            if method == "rubric" and not defs:
                add(f"{d}/grading.xml: active method rubric without a rubric definition (an empty rubric)")
            for df in defs:
                for crit in df.findall("plugin_gradingform_rubric_definition/criteria/criterion"):
                    if len(crit.findall("levels/level")) < 1:
                        add(f"{d}/grading.xml: criterion {_t(crit, 'description')!r} has no levels")
        cx = b.xml(f"{d}/competencies.xml") if f"{d}/competencies.xml" in b.entries else None
        for c in cx.findall("competencies/competency") if cx is not None else []:
            for f in ("idnumber", "frameworkidnumber", "ruleoutcome"):
                if not (_t(c, f) or "").strip():
                    add(f"{d}/competencies.xml: a link without {f} is dropped on restore")
            if (_t(c, "ruleoutcome") or "0") not in ("0", "1", "2", "3"):
                add(f"{d}/competencies.xml: ruleoutcome {_t(c, 'ruleoutcome')} is not 0-3")
    cc = b.xml("course/competencies.xml") if "course/competencies.xml" in b.entries else None
    for c in cc.findall("competencies/competency") if cc is not None else []:
        for f in ("id", "idnumber", "frameworkidnumber", "ruleoutcome"):
            if not (_t(c, f) or "").strip():
                add(f"course/competencies.xml: a course link without {f} is not restored")


def _release_tuple(rel: str) -> tuple[int, ...]:
    try:
        return tuple(int(x) for x in rel.split(".")[:2])
    except ValueError:
        return (0,)


def _verify_questions(qx: etree._Element | None, contexts: dict[str, str], act_qcats: dict[str, set[str]],
                      add) -> None:
    if qx is None:
        return
    listed = set().union(*act_qcats.values()) if act_qcats else set()
    tops: dict[str, list[str]] = {}
    cats: dict[str, etree._Element] = {}
    for cat in qx.findall("question_category"):
        cid = cat.get("id")
        cats[cid] = cat
        ctx = _t(cat, "contextid")
        if _t(cat, "parent") == "0":
            tops.setdefault(ctx, []).append(cid)
            if cat.findall("question_bank_entries/question_bank_entry"):
                add(f"question category {cid} is a 'top' category but holds questions (5.x aborts, 4.5 misplaces)")
        if cid not in listed:
            add(f"question category {cid} is in no inforef.xml: its questions would not be restored")
        level = _t(cat, "contextlevel")
        if level == "70" and ctx not in contexts:
            add(f"question category {cid} lives in context {ctx}, which is no activity of the backup")
        if not _t(cat, "stamp"):
            add(f"question category {cid} has no stamp")
    for ctx, ids in tops.items():
        if len(ids) > 1:
            add(f"context {ctx} has {len(ids)} top question categories (precheck error)")
    for cid, cat in cats.items():
        parent = _t(cat, "parent")
        if parent != "0" and parent not in cats:
            add(f"question category {cid}: parent {parent} is not in the backup")
        elif parent != "0" and _t(cats[parent], "contextid") != _t(cat, "contextid"):
            add(f"question category {cid}: parent is in another context")


def _verify_quiz(b: Backup, directory: str, ax: etree._Element, qx: etree._Element | None, add) -> None:
    quiz = ax.find("quiz")
    if quiz is None:
        return
    for f in ("timeopen", "timeclose", "grade", "sumgrades"):
        if quiz.find(f) is None:
            add(f"{directory}: quiz has no <{f}> (NOT NULL or wrong totals)")
    entries = set()
    cats = {}
    if qx is not None:
        for cat in qx.findall("question_category"):
            cats[cat.get("id")] = _t(cat, "contextid")
            for e in cat.findall("question_bank_entries/question_bank_entry"):
                entries.add(e.get("id"))
    total = 0.0
    for inst in quiz.findall("question_instances/question_instance"):
        total += float(_t(inst, "maxmark") or 0)
        ref = inst.find("question_reference")
        sref = inst.find("question_set_reference")
        if ref is not None:
            qbe = _t(ref, "questionbankentryid")
            if qbe not in entries:
                add(f"{directory}: slot {_t(inst, 'slot')} points at bank entry {qbe}, which is not in questions.xml "
                    "(it could bind to another course's question)")
        if sref is not None:
            fc = _t(sref, "filtercondition") or "{}"
            try:
                cond = json.loads(fc)
            except ValueError:
                add(f"{directory}: random slot filtercondition is not JSON")
                continue
            if "filter" in cond:
                values = cond["filter"].get("category", {}).get("values", [])
            else:
                values = [cond.get("questioncategoryid")]
            for v in values:
                if str(v).split(",")[0] not in cats:
                    add(f"{directory}: random slot category {v} is not in the backup")
    sumgrades = float(_t(quiz, "sumgrades") or 0)
    if abs(sumgrades - total) > 1e-6:
        add(f"{directory}: quiz sumgrades {sumgrades} != sum of slot maxmarks {total}")
    g = b.xml(f"{directory}/grades.xml")
    gm = g.find("grade_items/grade_item/grademax") if g is not None else None
    if gm is None:
        add(f"{directory}: quiz has no grade item in grades.xml (its pass grade would be lost)")
    elif abs(float(gm.text or 0) - float(_t(quiz, "grade") or 0)) > 1e-6:
        add(f"{directory}: grades.xml grademax != quiz grade")
