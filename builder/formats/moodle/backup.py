"""The Moodle course backup (.mbz) writer.

Follows shared/reference/MOODLE_BACKUP_FORMAT.md (a real Moodle 5.1 backup,
restore-tested field by field) and MOODLE_LTS_DIFFERENCES.md. Section
numbers refer to MOODLE_BACKUP_FORMAT.md. The traps it lists as *silent*
are each guarded here and tested in tests/test_moodle_backup.py.

Layout of the archive (all entries at the root, §1–§2):

    moodle_backup.xml                 manifest (§3), byte-exact declaration (§3.1)
    files.xml, files/<h0h1>/<sha1>    file records and the content pool (§9)
    questions.xml                     question bank (§6), empty without quizzes
    course/course.xml …               course settings (§4)
    sections/section_<id>/section.xml one per section, section 0 included (§4)
    activities/<mod>_<cmid>/…         module.xml, <mod>.xml, grades.xml, inforef.xml … (§5)
    groups.xml outcomes.xml scales.xml roles.xml completion.xml

Ids come from :class:`~builder.util.stableid.IdAllocator`: hashes of the
source keys, unique within each kind, identical from run to run.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from urllib.parse import quote


from ...competency.links import activity_nodes
from ...competency.model import RULE_OUTCOMES, Node, framework_order
from ...model.course import Asset, Course, Page, Project, Rendered, Unit
from ...render import compose
from ...render.html import shift_headings
from ...util.archive import FIXED_MTIME, tar_gz
from ...util.stableid import IdAllocator, stable_hex
from .assign import assign_activity, course_start
from .questions import BankWriter
from .targets import MoodleTarget
from .xmlutil import Element, container, f5, fields, root, sub, to_bytes

SITE_HASH = stable_hex("coursepack", "site")  # a fixed foreign site: every restore is a "foreign" one
WWWROOT = "https://coursepack.invalid"
SYSTEM_CONTEXT = 1
TOP_CATEGORY = 1  # course category id in course.xml (the restore puts the course where the admin chooses)


@dataclass
class FileRecord:
    id: int
    contenthash: str
    contextid: int
    component: str
    filearea: str
    itemid: int
    filepath: str
    filename: str
    filesize: int
    mimetype: str | None


@dataclass
class Section:
    id: int
    number: int
    name: str | None
    summary: str
    unit: Unit | None = None
    activities: list["Activity"] = field(default_factory=list)

    @property
    def directory(self) -> str:
        return f"sections/section_{self.id}"


@dataclass
class Activity:
    modname: str
    key: str
    cmid: int
    instance: int
    contextid: int
    section: Section
    title: str
    idnumber: str
    body: Element                      # the <modname> element
    completion: int = 0                 # 0 none, 1 manual, 2 automatic
    completionview: int = 0
    completion_grade_item: int | None = None
    completionpassgrade: int = 0
    showdescription: int = 0
    file_ids: list[int] = field(default_factory=list)
    question_category_ids: list[int] = field(default_factory=list)
    grades: bytes | None = None         # grades.xml, None -> empty gradebook skeleton
    extra: dict[str, bytes] = field(default_factory=dict)
    competencies: list[tuple[Node, int]] = field(default_factory=list)   # (competency, rule outcome)
    visible: int = 1

    @property
    def directory(self) -> str:
        return f"activities/{self.modname}_{self.cmid}"


_TOKEN = re.compile(r"cp-(asset|page):([^\"'#\s<>]+)(#[^\"'\s<>]*)?")


class MoodleBackupWriter:
    """Builds the .mbz of one course for one Moodle target."""

    def __init__(self, course: Course, project: Project, target: MoodleTarget, timestamp: int = FIXED_MTIME):
        self.course = course
        self.project = project
        self.target = target
        self.ts = timestamp
        self.ids = IdAllocator(f"moodle:{course.id}")
        self.entries: dict[str, bytes] = {}
        self.file_records: dict[int, FileRecord] = {}
        self.sections: list[Section] = []
        self.activities: list[Activity] = []
        self.course_id = self.ids("course", course.id)
        self.course_contextid = self.ids("context", f"course:{course.id}")
        self.course_category_ids: list[int] = []
        self.bank: BankWriter | None = None

    # -- ids ---------------------------------------------------------------
    def cmid(self, key: str) -> int:
        return self.ids("course_module", key)

    def contextid(self, key: str) -> int:
        return self.ids("context", f"module:{key}")

    # -- content -----------------------------------------------------------
    def rewrite(self, rendered: Rendered, contextid: int, component: str, filearea: str, itemid: int,
                owner: list[int]) -> str:
        """Neutral references -> @@PLUGINFILE@@ links and encoded cross-activity links (§5, §9)."""
        names = _file_names(rendered.assets)

        def repl(m: re.Match) -> str:
            kind, ref, frag = m.group(1), m.group(2), m.group(3) or ""
            if kind == "asset":
                from urllib.parse import unquote    # the renderer percent-encodes asset paths (asset_token)
                asset = next(a for a in rendered.assets if a.relpath == unquote(ref))
                fname = names[asset.relpath]
                self.add_file(asset, fname, contextid, component, filearea, itemid, owner)
                return "@@PLUGINFILE@@/" + quote(fname, safe="") + frag
            target = self._page_by_key.get(ref)
            if target is None or target.kind == "label":
                return f"$@COURSEVIEWBYID*{self.course_id}@$"
            kind = {"quiz": "QUIZ", "essay": "ASSIGN"}.get(target.kind, "PAGE")    # decoded by that module
            return f"${'@'}{kind}VIEWBYID*{self.cmid(target.key)}@$" + frag

        html = _TOKEN.sub(repl, rendered.html)
        return shift_headings(html, 1)

    def add_file(self, asset: Asset, filename: str, contextid: int, component: str, filearea: str,
                 itemid: int, owner: list[int], filepath: str = "/") -> int:
        key = f"{contextid}/{component}/{filearea}/{itemid}{filepath}{filename}"
        fid = self.ids("file", key)
        if fid not in self.file_records:
            self.file_records[fid] = FileRecord(fid, asset.sha1, contextid, component, filearea, itemid, filepath,
                                                filename, asset.size, asset.mimetype)
            pool = f"files/{asset.sha1[:2]}/{asset.sha1}"
            if pool not in self.entries:  # one read per content, however many areas use it
                self.entries[pool] = asset.read()
            # the "." directory record Moodle writes for every file area
            dkey = f"{contextid}/{component}/{filearea}/{itemid}{filepath}."
            did = self.ids("file", dkey)
            if did not in self.file_records:
                self.file_records[did] = FileRecord(did, "da39a3ee5e6b4b0d3255bfef95601890afd80709", contextid,
                                                    component, filearea, itemid, filepath, ".", 0, None)
            for i in (fid, did):
                if i not in owner:
                    owner.append(i)
        return fid

    # -- structure ---------------------------------------------------------------
    def build(self) -> bytes:
        c = self.course
        self._page_by_key = {p.key: p for p in c.pages()}
        sec0 = Section(self.ids("course_section", f"{c.id}/0"), 0, None, "")
        self.sections.append(sec0)
        bank = self.bank = BankWriter(self) if c.categories else None
        if bank is not None and self.target.question_bank == "qbank":
            act = bank.qbank_activity(sec0)
            sec0.activities.append(act)
            self.activities.append(act)
        for n, unit in enumerate(c.units, start=1):
            sec = Section(self.ids("course_section", unit.key), n, unit.title,
                          compose.unit_summary_html(unit, self.project.bibliography), unit)
            self.sections.append(sec)
            for page in unit.pages:
                if page.kind == "quiz":
                    assert bank is not None
                    act = bank.quiz_activity(page, sec)
                elif page.kind == "essay":
                    act = assign_activity(self, page, sec)
                elif page.kind == "page":
                    act = self.page_activity(page, sec)
                else:
                    act = self.label_activity(page, sec)
                act.competencies = self._competencies(page)
                sec.activities.append(act)
                self.activities.append(act)
        if bank is not None:
            self.entries["questions.xml"] = bank.questions_xml()
            if self.target.question_bank == "course":
                self.course_category_ids = bank.bank_category_ids()
        self.write_course()
        for sec in self.sections:
            self.write_section(sec)
        for act in self.activities:
            self.write_activity(act)
        self.write_root_files()
        self.entries["moodle_backup.xml"] = self.manifest()
        return tar_gz(self.entries, self.ts)

    def retarget(self, target: MoodleTarget) -> bytes:
        """The same course for another target with the same question bank layout (4.1 <-> 4.5), after
        :meth:`build`: only what the target changes is written again (every module.xml for its version,
        the quizzes for the random-slot filter and grade items, the manifest); ids are the same because
        the allocator returns the id it gave before for the same key. tests/test_moodle_backup.py holds
        the result byte-identical to a build from nothing."""
        assert target.question_bank == self.target.question_bank and self.entries
        self.target = target
        if self.bank is not None:
            self.bank.target = target
        for i, a in enumerate(self.activities):
            if a.modname == "quiz":
                page = self._page_by_key[a.key]
                q = self.bank.quiz_activity(page, a.section)
                q.competencies = a.competencies
                a.section.activities[a.section.activities.index(a)] = q
                self.activities[i] = q
                self.write_activity(q)
            else:
                self.entries[f"{a.directory}/module.xml"] = self.module_xml(a)
        self.entries["moodle_backup.xml"] = self.manifest()
        return tar_gz(self.entries, self.ts)

    def _competencies(self, page: Page) -> list[tuple[Node, int]]:
        """Activity competency links (§10): assessed ones with the course's rule outcome, addressed ones none."""
        assesses, nodes = activity_nodes(page, self.course)
        nodes = sorted(nodes, key=framework_order)
        outcome = RULE_OUTCOMES[page.competency_outcome or self.course.competency_outcome] if assesses else 0
        return [(n, outcome) for n in nodes]

    def _idnumber(self, key: str) -> str:
        local = key.split("/", 1)[1] if "/" in key else key
        return local if len(local) <= 100 else local[:83] + "-" + stable_hex(local, length=16)

    def page_activity(self, page: Page, sec: Section) -> Activity:
        cmid = self.cmid(page.key)
        ctx = self.contextid(page.key)
        inst = self.ids("page", page.key)
        owner: list[int] = []
        assert page.rendered is not None
        content = self.rewrite(page.rendered, ctx, "mod_page", "content", 0, owner)
        intro = _p(page.description)
        body = root("page", id=inst)
        fields(body, [
            ("name", page.title), ("intro", intro), ("introformat", 1),
            ("content", content), ("contentformat", 1),
            ("legacyfiles", 0), ("legacyfileslast", None), ("display", 5),
            ("displayoptions", 'a:2:{s:10:"printintro";i:0;s:17:"printlastmodified";i:0;}'),
            ("revision", 1), ("timemodified", self.ts),
        ])
        completion = {"view": (2, 1), "manual": (1, 0), "none": (0, 0)}[page.completion]
        return Activity("page", page.key, cmid, inst, ctx, sec, page.title, self._idnumber(page.key), body,
                        completion=completion[0], completionview=completion[1],
                        showdescription=1 if page.description else 0, file_ids=owner)

    def label_activity(self, page: Page, sec: Section) -> Activity:
        cmid = self.cmid(page.key)
        ctx = self.contextid(page.key)
        inst = self.ids("label", page.key)
        owner: list[int] = []
        assert page.rendered is not None
        intro = self.rewrite(page.rendered, ctx, "mod_label", "intro", 0, owner)
        body = root("label", id=inst)
        fields(body, [("name", page.title[:255]), ("intro", intro), ("introformat", 1), ("timemodified", self.ts)])
        completion = {"view": (0, 0), "manual": (1, 0), "none": (0, 0)}[page.completion]
        return Activity("label", page.key, cmid, inst, ctx, sec, page.title, self._idnumber(page.key), body,
                        completion=completion[0], showdescription=1, file_ids=owner)

    def grade_item_xml(self, key: str, title: str, modname: str, inst: int, grademax: float,
                       gradepass: float | None) -> bytes:
        """grades.xml of a graded activity: its one grade item (§5, §11)."""
        el = root("activity_gradebook")
        items = sub(el, "grade_items")
        gi = sub(items, "grade_item", id=self.ids("grade_item", key))
        fields(gi, [
            ("categoryid", 1), ("itemname", title), ("itemtype", "mod"), ("itemmodule", modname),
            ("iteminstance", inst), ("itemnumber", 0), ("iteminfo", None), ("idnumber", self._idnumber(key)),
            ("calculation", None), ("gradetype", 1), ("grademax", f5(grademax)), ("grademin", f5(0)),
            ("scaleid", None), ("outcomeid", None), ("gradepass", f5(gradepass or 0)),
            ("multfactor", f5(1)), ("plusfactor", f5(0)), ("aggregationcoef", f5(0)), ("aggregationcoef2", f5(0)),
            ("weightoverride", 0), ("sortorder", 1), ("display", 0), ("decimals", None), ("hidden", 0),
            ("locked", 0), ("locktime", 0), ("needsupdate", 0), ("timecreated", self.ts),
            ("timemodified", self.ts),
        ])
        container(gi, "grade_grades")
        container(el, "grade_letters")
        return to_bytes(el)

    # -- writers -------------------------------------------------------------------
    def write_course(self) -> None:
        c = self.course
        el = root("course", id=self.course_id, contextid=self.course_contextid)
        fields(el, [
            ("shortname", c.shortname), ("fullname", c.title), ("idnumber", c.idnumber or ""),
            ("summary", compose.course_summary_html(c)), ("summaryformat", 1), ("format", "topics"),
            ("showgrades", 1), ("newsitems", 0), ("startdate", course_start(self)), ("enddate", 0), ("marker", 0),
            ("maxbytes", 0), ("legacyfiles", 0), ("showreports", 0), ("visible", 1), ("groupmode", 0),
            ("groupmodeforce", 0), ("defaultgroupingid", 0), ("lang", "" if c.language == "en" else c.language),
            ("theme", ""), ("timecreated", self.ts), ("timemodified", self.ts), ("requested", 0),
            ("showactivitydates", 0), ("showcompletionconditions", 1), ("pdfexportfont", None),
            ("enablecompletion", 1), ("completionnotify", 0),
        ])
        cat = sub(el, "category", id=TOP_CATEGORY)
        fields(cat, [("name", "Miscellaneous"), ("description", None)])
        container(el, "tags")
        container(el, "customfields")
        opts = container(el, "courseformatoptions")
        for name, value in (("hiddensections", 1), ("coursedisplay", 0)):
            o = sub(opts, "courseformatoption")
            fields(o, [("format", "topics"), ("sectionid", 0), ("name", name), ("value", value)])
        self.entries["course/course.xml"] = to_bytes(el)
        self.entries["course/roles.xml"] = _roles()
        inforef = _container_root("inforef")
        if self.course_category_ids:
            qr = sub(inforef, "question_categoryref")
            for cid in self.course_category_ids:
                q = sub(qr, "question_category")
                sub(q, "id", cid)
        self.entries["course/inforef.xml"] = to_bytes(inforef)
        self.entries["course/calendar.xml"] = _events()
        self.entries["course/filters.xml"] = _filters()
        self.entries["course/contentbank.xml"] = _empty("contents")
        self.entries["course/completiondefaults.xml"] = _empty("course_completion_defaults")
        comp = root("course_competencies")
        comps = sub(comp, "competencies")
        course_nodes: list[Node] = []
        for a in self.activities:
            course_nodes += [n for n, _ in a.competencies if n not in course_nodes]
        course_nodes.sort(key=framework_order)
        for i, n in enumerate(course_nodes):
            ce = sub(comps, "competency")
            fields(ce, [("id", self.ids("competency", n.id)), ("idnumber", n.id),
                        ("ruleoutcome", RULE_OUTCOMES[c.competency_outcome]), ("sortorder", i),
                        ("frameworkid", self.ids("competency_framework", n.framework.idnumber)),
                        ("frameworkidnumber", n.framework.idnumber)])
        if not course_nodes:
            comps.text = "\n  "
        container(comp, "user_competencies")
        self.entries["course/competencies.xml"] = to_bytes(comp)

    def write_section(self, sec: Section) -> None:
        el = root("section", id=sec.id)
        fields(el, [
            ("number", sec.number), ("name", sec.name), ("summary", sec.summary), ("summaryformat", 1),
            ("sequence", ",".join(str(a.cmid) for a in sec.activities)), ("visible", 1),
            ("availabilityjson", None), ("component", None), ("itemid", None), ("timemodified", self.ts),
        ])
        self.entries[f"{sec.directory}/section.xml"] = to_bytes(el)
        self.entries[f"{sec.directory}/inforef.xml"] = _empty("inforef")

    def write_activity(self, a: Activity) -> None:
        d = a.directory
        self.entries[f"{d}/module.xml"] = self.module_xml(a)
        wrapper = root("activity", id=a.instance, moduleid=a.cmid, modulename=a.modname, contextid=a.contextid)
        wrapper.append(a.body)
        self.entries[f"{d}/{a.modname}.xml"] = to_bytes(wrapper)
        self.entries[f"{d}/grades.xml"] = a.grades if a.grades is not None else _empty_grades()
        self.entries[f"{d}/roles.xml"] = _roles()
        self.entries[f"{d}/calendar.xml"] = _events()
        self.entries[f"{d}/filters.xml"] = _filters()
        self.entries[f"{d}/grade_history.xml"] = _grade_history()
        comp = root("course_module_competencies")
        comps = sub(comp, "competencies")
        for i, (n, outcome) in enumerate(a.competencies):
            ce = sub(comps, "competency")
            fields(ce, [("idnumber", n.id), ("ruleoutcome", outcome), ("sortorder", i),
                        ("frameworkidnumber", n.framework.idnumber), ("overridegrade", 0)])
        if not a.competencies:
            comps.text = "\n  "
        self.entries[f"{d}/competencies.xml"] = to_bytes(comp)
        inforef = _container_root("inforef")
        if a.file_ids:
            fr = sub(inforef, "fileref")
            for fid in sorted(a.file_ids):
                f = sub(fr, "file")
                sub(f, "id", fid)
        if a.question_category_ids:
            qr = sub(inforef, "question_categoryref")
            for cid in a.question_category_ids:
                q = sub(qr, "question_category")
                sub(q, "id", cid)
        self.entries[f"{d}/inforef.xml"] = to_bytes(inforef)
        for name, data in a.extra.items():
            self.entries[f"{d}/{name}"] = data

    def module_xml(self, a: Activity) -> bytes:
        mod = root("module", id=a.cmid, version=self.target.module_version)
        fields(mod, [
            ("modulename", a.modname), ("sectionid", a.section.id), ("sectionnumber", a.section.number),
            ("idnumber", a.idnumber), ("added", self.ts), ("score", 0), ("indent", 0), ("visible", a.visible),
            ("visibleoncoursepage", a.visible), ("visibleold", a.visible), ("groupmode", 0), ("groupingid", 0),
            ("completion", a.completion), ("completiongradeitemnumber", a.completion_grade_item),
            ("completionpassgrade", a.completionpassgrade), ("completionview", a.completionview),
            ("completionexpected", 0), ("availability", None), ("showdescription", a.showdescription),
            ("downloadcontent", 1), ("lang", None),
        ])
        container(mod, "tags")
        return to_bytes(mod)

    def write_root_files(self) -> None:
        files = root("files")
        for rec in sorted(self.file_records.values(), key=lambda r: (r.contextid, r.component, r.filearea,
                                                                     r.filepath, r.filename)):
            f = sub(files, "file", id=rec.id)
            fields(f, [
                ("contenthash", rec.contenthash), ("contextid", rec.contextid), ("component", rec.component),
                ("filearea", rec.filearea), ("itemid", rec.itemid), ("filepath", rec.filepath),
                ("filename", rec.filename), ("userid", None), ("filesize", rec.filesize),
                ("mimetype", rec.mimetype), ("status", 0), ("timecreated", self.ts), ("timemodified", self.ts),
                ("source", None), ("author", None), ("license", None),
                ("sortorder", 0), ("repositorytype", None), ("repositoryid", None), ("reference", None),
            ])
        if len(files) == 0:
            files.text = "\n"
        self.entries["files.xml"] = to_bytes(files)
        if "questions.xml" not in self.entries:
            qc = root("question_categories")
            qc.text = "\n"
            self.entries["questions.xml"] = to_bytes(qc)
        self.entries["roles.xml"] = _empty("roles_definition")
        groups = root("groups")
        container(groups, "groupcustomfields")
        gs = sub(groups, "groupings")
        container(gs, "groupingcustomfields")
        self.entries["groups.xml"] = to_bytes(groups)
        self.entries["outcomes.xml"] = _empty("outcomes_definition")
        self.entries["scales.xml"] = _empty("scales_definition")
        self.entries["completion.xml"] = self.completion_xml()
        badges = root("badges")
        badges.text = "\n"
        self.entries["badges.xml"] = to_bytes(badges)
        self.entries["grade_history.xml"] = _grade_history()

    def completion_xml(self) -> bytes:
        """Course completion: every activity that tracks completion (§11)."""
        el = root("course_completion")
        tracked = [a for a in self.activities if a.completion]
        for a in tracked:
            crit = sub(el, "course_completion_criteria", id=self.ids("completion_criteria", a.key))
            fields(crit, [
                ("course", self.course_id), ("criteriatype", 4), ("module", a.modname), ("moduleinstance", a.cmid),
                ("courseinstanceshortname", None), ("enrolperiod", None), ("timeend", None), ("gradepass", None),
                ("role", None), ("roleshortname", None),
            ])
            container(crit, "course_completion_crit_completions")
        if tracked:
            for ctype in (None, 4):
                m = sub(el, "course_completion_aggr_methd", id=self.ids("completion_aggr", str(ctype)))
                fields(m, [("course", self.course_id), ("criteriatype", ctype), ("method", 1), ("value", None)])
        else:
            el.text = "\n"
        return to_bytes(el)

    def manifest(self) -> bytes:
        c, t = self.course, self.target
        mb = root("moodle_backup")
        info = sub(mb, "information")
        fields(info, [
            ("name", f"{c.id}.mbz"), ("moodle_version", t.moodle_version), ("moodle_release", t.moodle_release),
            ("backup_version", t.backup_version), ("backup_release", t.backup_release),
            ("backup_date", self.ts), ("mnet_remoteusers", 0), ("include_files", 1),
            ("include_file_references_to_external_content", 0), ("original_wwwroot", WWWROOT),
            ("original_site_identifier_hash", SITE_HASH), ("original_course_id", self.course_id),
            ("original_course_format", "topics"), ("original_course_fullname", c.title),
            ("original_course_shortname", c.shortname), ("original_course_startdate", course_start(self)),
            ("original_course_enddate", 0), ("original_course_contextid", self.course_contextid),
            ("original_system_contextid", SYSTEM_CONTEXT),
        ])
        details = sub(info, "details")
        det = sub(details, "detail", backup_id=stable_hex("backup", c.id, t.key))
        fields(det, [("type", "course"), ("format", "moodle2"), ("interactive", ""), ("mode", 10),
                     ("execution", 1), ("executiontime", 0)])
        contents = sub(info, "contents")
        acts = sub(contents, "activities")
        for sec in self.sections:
            for a in sec.activities:
                ae = sub(acts, "activity")
                fields(ae, [("moduleid", a.cmid), ("sectionid", sec.id), ("modulename", a.modname),
                            ("title", a.title), ("directory", a.directory), ("insubsection", "")])
        secs = sub(contents, "sections")
        for sec in self.sections:
            se = sub(secs, "section")
            fields(se, [("sectionid", sec.id), ("title", sec.name if sec.name is not None else str(sec.number)),
                        ("directory", sec.directory), ("parentcmid", ""), ("modname", "")])
        ce = sub(contents, "course")
        fields(ce, [("courseid", self.course_id), ("title", c.shortname), ("directory", "course")])
        settings = sub(info, "settings")
        root_settings = [
            ("filename", f"{c.id}.mbz"), ("imscc11", 0), ("users", 0), ("anonymize", 0), ("role_assignments", 0),
            ("activities", 1), ("blocks", 0), ("files", 1), ("filters", 1), ("comments", 0), ("badges", 0),
            ("calendarevents", 1), ("userscompletion", 0), ("logs", 0), ("grade_histories", 0), ("groups", 0),
            ("competencies", 1), ("customfield", 0), ("contentbankcontent", 1), ("xapistate", 0),
            ("legacyfiles", 0),
        ]
        if t.questionbank_setting:
            root_settings.insert(19, ("questionbank", 1))
        for name, value in root_settings:
            s = sub(settings, "setting")
            fields(s, [("level", "root"), ("name", name), ("value", value)])
        for sec in self.sections:
            key = sec.directory.rsplit("/", 1)[1]
            for suffix, value in (("included", 1), ("userinfo", 0)):
                s = sub(settings, "setting")
                fields(s, [("level", "section"), ("section", key), ("name", f"{key}_{suffix}"), ("value", value)])
            for a in sec.activities:
                akey = a.directory.rsplit("/", 1)[1]
                for suffix, value in (("included", 1), ("userinfo", 0)):
                    s = sub(settings, "setting")
                    fields(s, [("level", "activity"), ("activity", akey), ("name", f"{akey}_{suffix}"),
                               ("value", value)])
        return to_bytes(mb)


def _file_names(assets: list[Asset]) -> dict[str, str]:
    """File names in one file area: the base name, made unique when two files share it."""
    by_name: dict[str, list[Asset]] = {}
    for a in assets:
        by_name.setdefault(a.name, []).append(a)
    out = {}
    for name, group in by_name.items():
        if len(group) == 1:
            out[group[0].relpath] = name
        else:
            for a in group:
                out[a.relpath] = f"{a.sha1[:8]}-{name}"
    return out


def _p(text: str | None) -> str:
    if not text:
        return ""
    from html import escape
    return f"<p>{escape(text.strip())}</p>"


def _container_root(tag: str) -> Element:
    el = root(tag)
    el.text = "\n"
    return el


@functools.cache
def _empty(tag: str) -> bytes:
    """A file that is one empty list (the same bytes in every backup: made once)."""
    return to_bytes(_container_root(tag))


@functools.cache
def _grade_history() -> bytes:
    gh = root("grade_history")
    container(gh, "grade_grades")
    return to_bytes(gh)


@functools.cache
def _roles() -> bytes:
    el = root("roles")
    container(el, "role_overrides")
    container(el, "role_assignments")
    return to_bytes(el)


@functools.cache
def _events() -> bytes:
    return _empty("events")


@functools.cache
def _filters() -> bytes:
    el = root("filters")
    container(el, "filter_actives")
    container(el, "filter_configs")
    return to_bytes(el)


@functools.cache
def _empty_grades() -> bytes:
    el = root("activity_gradebook")
    container(el, "grade_items")
    container(el, "grade_letters")
    return to_bytes(el)


def build_mbz(course: Course, project: Project, target: MoodleTarget) -> bytes:
    return MoodleBackupWriter(course, project, target).build()


def build_mbz_targets(course: Course, project: Project, targets: list[MoodleTarget]) -> dict[str, bytes]:
    """The backups of one course for several targets; a target with the same question bank layout as one
    already built is derived from it (see :meth:`MoodleBackupWriter.retarget`)."""
    out: dict[str, bytes] = {}
    built: dict[str, MoodleBackupWriter] = {}
    for t in targets:
        base = built.get(t.question_bank)
        if base is None:
            w = built[t.question_bank] = MoodleBackupWriter(course, project, t)
            out[t.key] = w.build()
        else:
            out[t.key] = base.retarget(t)
    return out
