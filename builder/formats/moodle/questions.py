"""Question bank and quiz activities of a Moodle course backup.

Where the bank lives depends on the target (MOODLE_BACKUP_FORMAT.md §6,
MOODLE_LTS_DIFFERENCES.md §2.2):

* 5.x (``question_bank == "qbank"``): a ``mod_qbank`` activity in section 0;
  its module context holds a "top" category, "Default for <bank>" and one
  child category per course category. The bank's and every quiz's
  ``inforef.xml`` list them all, the top included (traps 4 and 16).
* 4.x (``"course"``): the same categories in the course context (level 50),
  listed in ``course/inforef.xml`` and in every quiz's ``inforef.xml``.

Questions never sit in a top category (trap 15). Slots point at bank entries
defined in ``questions.xml`` (trap 5), random slots at categories in the
backup (trap 6), and ``sumgrades`` is the sum of the slot marks (trap 7).
"""

from __future__ import annotations

import html
import json
import re
from typing import TYPE_CHECKING


from ...quiz.model import Category, ClozePart, Md, Question
from ...util.stableid import stable_hex
from .xmlutil import container, f5, f7, fields, root, sub, to_bytes

if TYPE_CHECKING:  # pragma: no cover
    from ...model.course import Page
    from .backup import Activity, MoodleBackupWriter, Section

STANDARD_FEEDBACK = ("Your answer is correct.", "Your answer is partially correct.", "Your answer is incorrect.")
NUMBERING = {"abc": "abc", "ABCD": "ABCD", "123": "123", "iii": "iii", "IIII": "IIII", "none": "none"}
GRADE_METHOD = {"highest": 1, "average": 2, "first": 3, "last": 4}


def _html(md: Md | None) -> str:
    return md.html if md is not None else ""


_SLOT = re.compile(r"cpslot([1-9][0-9]*)x")     # slot_token(n)


def gap_html(html_text: str, n: int, repl) -> str:
    """Replace the placeholder tokens 1..n in rendered HTML, in one pass (one pass a token had taken time
    growing with the square of the number of gaps)."""
    def one(m: re.Match) -> str:
        i = int(m.group(1))
        return repl(i) if i <= n else m.group()
    return _SLOT.sub(one, html_text)


class BankWriter:
    """Writes questions.xml and the quiz (and qbank) activities for one backup."""

    def __init__(self, w: "MoodleBackupWriter"):
        self.w = w
        self.course = w.course
        self.ids = w.ids
        self.target = w.target
        self.categories: list[Category] = list(self.course.categories)
        self.qbank: "Activity | None" = None
        c = self.course
        if self.target.question_bank == "qbank":
            key = f"{c.id}/qbank"
            self.bank_cmid = w.cmid(key)
            self.bank_ctx = w.contextid(key)
            self.bank_level = 70
            self.bank_name = f"{c.title} question bank"[:255]
        else:
            self.bank_cmid = 0
            self.bank_ctx = w.course_contextid
            self.bank_level = 50
            self.bank_name = c.shortname
        self.top_id = self.ids("question_category", f"{c.id}/top")
        self.default_id = self.ids("question_category", f"{c.id}/default")
        self.quiz_private: dict[str, tuple[int, int]] = {}   # quiz key -> (top id, default id)

    # -- ids ------------------------------------------------------------------------
    def cat_id(self, cat: Category) -> int:
        return self.ids("question_category", cat.key)

    def entry_id(self, key: str) -> int:
        return self.ids("question_bank_entry", key)

    def question_id(self, key: str) -> int:
        return self.ids("question", key)

    def bank_category_ids(self) -> list[int]:
        return [self.top_id, self.default_id] + [self.cat_id(c) for c in self.categories]

    # -- activities -----------------------------------------------------------------------
    def qbank_activity(self, sec: "Section") -> "Activity":
        from .backup import Activity
        c = self.course
        key = f"{c.id}/qbank"
        inst = self.ids("qbank", key)
        body = root("qbank", id=inst)
        fields(body, [("name", self.bank_name), ("timecreated", self.w.ts), ("timemodified", 0), ("intro", None),
                      ("introformat", 0), ("type", "standard")])
        act = Activity("qbank", key, self.bank_cmid, inst, self.bank_ctx, sec, self.bank_name,
                       self.w._idnumber(key), body, question_category_ids=self.bank_category_ids())
        act.visible = 0
        self.qbank = act
        return act

    def quiz_activity(self, page: "Page", sec: "Section") -> "Activity":
        from .backup import Activity
        w, quiz = self.w, page.quiz
        assert quiz is not None
        cmid = w.cmid(page.key)
        ctx = w.contextid(page.key)
        inst = self.ids("quiz", page.key)
        owner: list[int] = []
        intro = w.rewrite(page.rendered, ctx, "mod_quiz", "intro", 0, owner) if page.rendered else ""
        t = self.target
        body = root("quiz", id=inst)
        r = quiz.review
        items = [
            ("name", page.title), ("intro", intro), ("introformat", 1), ("timeopen", 0), ("timeclose", 0),
            ("timelimit", quiz.time_limit), ("overduehandling", "autosubmit"), ("graceperiod", 0),
            ("preferredbehaviour", quiz.behaviour), ("canredoquestions", 0), ("attempts_number", quiz.attempts),
            ("attemptonlast", 0), ("grademethod", GRADE_METHOD[quiz.grade_method]), ("decimalpoints", 2),
            ("questiondecimalpoints", -1),
            ("reviewattempt", r["attempt"]), ("reviewcorrectness", r["correctness"]),
        ]
        if t.quiz_grade_items:
            items.append(("reviewmaxmarks", r["max_marks"]))
        items += [
            ("reviewmarks", r["marks"]), ("reviewspecificfeedback", r["specific_feedback"]),
            ("reviewgeneralfeedback", r["general_feedback"]), ("reviewrightanswer", r["right_answer"]),
            ("reviewoverallfeedback", r["overall_feedback"]), ("questionsperpage", quiz.per_page),
            ("navmethod", quiz.navigation), ("shuffleanswers", 1 if quiz.shuffle_answers else 0),
            ("sumgrades", f5(quiz.sumgrades)), ("grade", f5(quiz.max_grade)), ("timecreated", w.ts),
            ("timemodified", w.ts), ("password", ""), ("subnet", ""), ("browsersecurity", "-"), ("delay1", 0),
            ("delay2", 0), ("showuserpicture", 0), ("showblocks", 0), ("completionattemptsexhausted", 0),
            ("completionminattempts", 0), ("allowofflineattempts", 0),
        ]
        fields(body, items)
        container(body, "subplugin_quizaccess_seb_quiz")
        if t.quiz_grade_items:
            container(body, "quiz_grade_items")
        qis = sub(body, "question_instances")
        for n, slot in enumerate(quiz.slots, start=1):
            skey = f"{page.key}/slot{n}"
            qi = sub(qis, "question_instance", id=self.ids("quiz_slot", skey))
            page_no = 1 if quiz.per_page == 0 else (n - 1) // quiz.per_page + 1
            row = [("quizid", inst), ("slot", n), ("page", page_no)]
            if t.quiz_grade_items:
                row.append(("displaynumber", None))
            row += [("requireprevious", 0), ("maxmark", f7(slot.mark))]
            if t.quiz_grade_items:
                row.append(("quizgradeitemid", None))
            fields(qi, row)
            if slot.question is not None:
                ref = sub(qi, "question_reference", id=self.ids("question_reference", skey))
                fields(ref, [("usingcontextid", ctx), ("component", "mod_quiz"), ("questionarea", "slot"),
                             ("questionbankentryid", self.entry_id(slot.question.key)), ("version", None)])
            else:
                assert slot.category is not None
                cid = self.cat_id(slot.category)
                if t.legacy_random_filter:
                    cond = {"questioncategoryid": str(cid), "includingsubcategories": "0"}
                else:
                    cond = {"filter": {"category": {"jointype": 1, "values": [cid],
                                                    "filteroptions": {"includesubcategories": False}}}}
                ref = sub(qi, "question_set_reference", id=self.ids("question_set_reference", skey))
                fields(ref, [("usingcontextid", ctx), ("component", "mod_quiz"), ("questionarea", "slot"),
                             ("questionscontextid", self.bank_ctx),
                             ("filtercondition", json.dumps(cond, separators=(",", ":")))])
        secs = sub(body, "sections")
        s = sub(secs, "section", id=self.ids("quiz_section", page.key))
        fields(s, [("firstslot", 1), ("heading", ""), ("shufflequestions", 1 if quiz.shuffle_questions else 0)])
        for tag in ("feedbacks", "overrides", "grades", "attempts"):
            container(body, tag)
        completion, view, gradeitem, passgrade = {
            "pass": (2, 0, 0, 1), "grade": (2, 0, 0, 0), "view": (2, 1, None, 0), "manual": (1, 0, None, 0),
            "none": (0, 0, None, 0),
        }[quiz.completion]
        cats = self.bank_category_ids()
        if self.target.question_bank == "qbank":
            top = self.ids("question_category", f"{page.key}/top")
            default = self.ids("question_category", f"{page.key}/default")
            self.quiz_private[page.key] = (top, default)
            cats = cats + [top, default]
        act = Activity("quiz", page.key, cmid, inst, ctx, sec, page.title, w._idnumber(page.key), body,
                       completion=completion, completionview=view, completion_grade_item=gradeitem,
                       completionpassgrade=passgrade, showdescription=1 if page.description else 0,
                       file_ids=owner, question_category_ids=cats,
                       grades=w.grade_item_xml(page.key, page.title, "quiz", inst, quiz.max_grade,
                                                       quiz.pass_grade))
        return act

    # -- questions.xml -------------------------------------------------------------------
    def questions_xml(self) -> bytes:
        qc = root("question_categories")
        c = self.course
        self._category(qc, self.top_id, "top", "", 0, 0, f"{c.id}/top", self.bank_ctx, self.bank_level,
                       self.bank_cmid or self.w.course_id, [])
        self._category(qc, self.default_id, f"Default for {self.bank_name}"[:255],
                       f"The default category for questions shared in context '{self.bank_name}'.", self.top_id,
                       999, f"{c.id}/default", self.bank_ctx, self.bank_level, self.bank_cmid or self.w.course_id, [])
        for n, cat in enumerate(self.categories):
            self._category(qc, self.cat_id(cat), cat.name[:255], _html(cat.info), self.top_id, 999, cat.key,
                           self.bank_ctx, self.bank_level, self.bank_cmid or self.w.course_id, cat.questions,
                           idnumber=cat.id if cat.scope != "quiz" else None, infoformat=1 if cat.info else 0)
        for page in self.course.quizzes():
            if page.key in self.quiz_private:
                top, default = self.quiz_private[page.key]
                ctx = self.w.contextid(page.key)
                cmid = self.w.cmid(page.key)
                self._category(qc, top, "top", "", 0, 0, f"{page.key}/top", ctx, 70, cmid, [])
                self._category(qc, default, f"Default for {page.title}"[:255],
                               f"The default category for questions shared in context '{page.title}'.", top, 999,
                               f"{page.key}/default", ctx, 70, cmid, [])
        if len(qc) == 0:
            qc.text = "\n"
        return to_bytes(qc)

    def _category(self, parent, cid: int, name: str, info: str, parent_id: int, sortorder: int, key: str,
                  ctx: int, level: int, instance: int, questions: list[Question], idnumber: str | None = None,
                  infoformat: int = 0) -> None:
        el = sub(parent, "question_category", id=cid)
        fields(el, [
            ("name", name), ("contextid", ctx), ("contextlevel", level), ("contextinstanceid", instance),
            ("info", info), ("infoformat", infoformat), ("stamp", _stamp(self.course.id, "cat", key)),
            ("parent", parent_id), ("sortorder", sortorder), ("idnumber", idnumber),
        ])
        entries = sub(el, "question_bank_entries")
        for q in questions:
            self._entry(entries, q, cid)
        if len(entries) == 0:
            entries.text = "\n"

    def _entry(self, entries, q: Question, cid: int) -> None:
        qid = self.question_id(q.key)
        sub_ids = [self.question_id(f"{q.key}/part{p.index}") for p in q.cloze]
        self._wrap(entries, q.key, cid, q.id, q.status, lambda qs: self._question(qs, q, qid, sub_ids))
        for part, sid in zip(q.cloze, sub_ids):
            pkey = f"{q.key}/part{part.index}"
            self._wrap(entries, pkey, cid, None, q.status,
                       lambda qs, part=part, sid=sid, pkey=pkey: self._cloze_part(qs, q, qid, part, sid, pkey))

    def _wrap(self, entries, key: str, cid: int, idnumber: str | None, status: str, fill) -> None:
        e = sub(entries, "question_bank_entry", id=self.entry_id(key))
        fields(e, [("questioncategoryid", cid), ("idnumber", idnumber), ("ownerid", None)])
        qv = sub(e, "question_version")
        v = sub(qv, "question_versions", id=self.ids("question_version", key))
        fields(v, [("version", 1), ("status", status)])
        qs = sub(v, "questions")
        fill(qs)

    def _head(self, qs, qid: int, parent: int, name: str, text: str, general: str, mark: float, penalty: float,
              qtype: str, length: int, key: str):
        el = sub(qs, "question", id=qid)
        fields(el, [
            ("parent", parent), ("name", name[:255]), ("questiontext", text), ("questiontextformat", 1),
            ("generalfeedback", general), ("generalfeedbackformat", 1), ("defaultmark", f7(mark)),
            ("penalty", f7(penalty)), ("qtype", qtype), ("length", length),
            ("stamp", _stamp(self.course.id, "q", key)), ("timecreated", self.w.ts), ("timemodified", self.w.ts),
            ("createdby", None), ("modifiedby", None),
        ])
        return el

    def _tail(self, el, q: Question | None, key: str) -> None:
        cm = sub(el, "plugin_qbank_comment_question")
        container(cm, "comments")
        cf = sub(el, "plugin_qbank_customfields_question")
        container(cf, "customfields")
        hints = sub(el, "question_hints")
        for n, h in enumerate(q.hints if q else [], start=1):
            he = sub(hints, "question_hint", id=self.ids("question_hint", f"{key}/hint{n}"))
            fields(he, [("hint", h.html), ("hintformat", 1), ("shownumcorrect", 0), ("clearwrong", 0),
                        ("options", None)])
        if len(hints) == 0:
            hints.text = "\n"
        tags = sub(el, "tags")
        for t in (q.tags if q else []):
            te = sub(tags, "tag", id=self.ids("tag", t.lower()), contextid=self.bank_ctx)
            fields(te, [("name", t.lower()), ("rawname", t)])
        if len(tags) == 0:
            tags.text = "\n"

    def question_text(self, q: Question) -> str:
        text = q.text.html
        if q.qtype == "cloze":
            return gap_html(text, len(q.cloze), lambda i: "{#%d}" % i)
        if q.qtype in ("ddwtos", "gapselect"):
            return gap_html(text, len(q.gaps), lambda i: "[[%d]]" % q.gaps[i - 1])
        return text

    def _question(self, qs, q: Question, qid: int, sub_ids: list[int]) -> None:
        length = 0 if q.qtype == "description" else 1
        el = self._head(qs, qid, 0, q.name, self.question_text(q), _html(q.general_feedback), q.mark, q.penalty,
                        q.moodle_qtype, length, q.key)
        if q.qtype != "description":
            plugin = sub(el, f"plugin_qtype_{q.moodle_qtype}_question")
            getattr(self, f"_opts_{q.qtype}")(plugin, q, qid, sub_ids)
        self._tail(el, q, q.key)

    def _answers(self, plugin, q_key: str, answers, fmt: int, text_of=None) -> list[int]:
        box = sub(plugin, "answers")
        ids = []
        for n, a in enumerate(answers):
            aid = self.ids("question_answer", f"{q_key}/a{n}")
            ids.append(aid)
            ae = sub(box, "answer", id=aid)
            fields(ae, [("answertext", text_of(a) if text_of else a.text), ("answerformat", fmt),
                        ("fraction", f7(a.fraction)),
                        ("feedback", a.feedback.html if a.feedback is not None else a.feedback_text),
                        ("feedbackformat", 1)])
        if not answers:
            box.text = "\n"
        return ids

    def _combined(self, q: Question) -> list[tuple[str, object]]:
        out = []
        for name, md, default in (("correctfeedback", q.correct_feedback, STANDARD_FEEDBACK[0]),
                                  ("partiallycorrectfeedback", q.partial_feedback, STANDARD_FEEDBACK[1]),
                                  ("incorrectfeedback", q.incorrect_feedback, STANDARD_FEEDBACK[2])):
            out += [(name, md.html if md is not None else default), (name + "format", 1)]
        return out

    def _opts_multichoice(self, plugin, q: Question, qid: int, _sub) -> None:
        self._answers(plugin, q.key, q.answers, 1, text_of=lambda a: a.md.html)
        mc = sub(plugin, "multichoice", id=self.ids("qtype_multichoice_options", q.key))
        fields(mc, [("layout", 0), ("single", 1 if q.single else 0), ("shuffleanswers", 1 if q.shuffle else 0)]
               + self._combined(q)
               + [("answernumbering", NUMBERING[q.numbering]), ("shownumcorrect", 1),
                  ("showstandardinstruction", 1 if q.show_instruction else 0)])

    def _opts_truefalse(self, plugin, q: Question, qid: int, _sub) -> None:
        ids = self._answers(plugin, q.key, q.answers, 0)
        tf = sub(plugin, "truefalse", id=self.ids("question_truefalse", q.key))
        fields(tf, [("trueanswer", ids[0]), ("falseanswer", ids[1]), ("showstandardinstruction", 0)])

    def _opts_shortanswer(self, plugin, q: Question, qid: int, _sub) -> None:
        self._answers(plugin, q.key, q.answers, 0)
        sa = sub(plugin, "shortanswer", id=self.ids("qtype_shortanswer_options", q.key))
        fields(sa, [("usecase", 1 if q.case_sensitive else 0)])

    def _numerical(self, plugin, key: str, answers, units, unit_required: bool, unit_penalty: float) -> None:
        ids = self._answers(plugin, key, answers, 0)
        ub = sub(plugin, "numerical_units")
        for n, u in enumerate(units):
            ue = sub(ub, "numerical_unit", id=self.ids("question_numerical_units", f"{key}/u{n}"))
            fields(ue, [("multiplier", f"{u.multiplier:.10g}"), ("unit", u.unit)])
        if not units:
            ub.text = "\n"
        ob = sub(plugin, "numerical_options")
        oe = sub(ob, "numerical_option", id=self.ids("question_numerical_options", key))
        showunits = 0 if units else 3
        fields(oe, [("showunits", showunits), ("unitsleft", 0), ("unitgradingtype", 1 if unit_required else 0),
                    ("unitpenalty", f7(unit_penalty))])
        rb = sub(plugin, "numerical_records")
        for aid, a in zip(ids, answers):
            re_ = sub(rb, "numerical_record", id=self.ids("question_numerical", f"{key}/{aid}"))
            fields(re_, [("answer", aid), ("tolerance", f"{a.tolerance:g}")])

    def _opts_numerical(self, plugin, q: Question, qid: int, _sub) -> None:
        self._numerical(plugin, q.key, q.answers, q.units, q.unit_required, q.unit_penalty)

    def _opts_matching(self, plugin, q: Question, qid: int, _sub) -> None:
        mo = sub(plugin, "matchoptions", id=self.ids("qtype_match_options", q.key))
        fields(mo, [("shuffleanswers", 1 if q.shuffle else 0)] + self._combined(q) + [("shownumcorrect", 1)])
        ms = sub(plugin, "matches")
        for n, p in enumerate(q.pairs):
            me = sub(ms, "match", id=self.ids("qtype_match_subquestions", f"{q.key}/m{n}"))
            fields(me, [("questiontext", p.question.html if p.question else ""), ("questiontextformat", 1),
                        ("answertext", p.answer)])

    def _opts_essay(self, plugin, q: Question, qid: int, _sub) -> None:
        es = sub(plugin, "essay", id=self.ids("qtype_essay_options", q.key))
        fields(es, [
            ("responseformat", q.response), ("responserequired", 1 if q.response_required else 0),
            ("responsefieldlines", q.response_lines), ("minwordlimit", q.min_words or None),
            ("maxwordlimit", q.max_words or None), ("attachments", q.attachments),
            ("attachmentsrequired", q.attachments_required), ("graderinfo", _html(q.grader_info)),
            ("graderinfoformat", 1), ("responsetemplate", _html(q.response_template)),
            ("responsetemplateformat", 1), ("filetypeslist", ""), ("maxbytes", 0),
        ])

    def _opts_cloze(self, plugin, q: Question, qid: int, sub_ids: list[int]) -> None:
        box = sub(plugin, "answers")
        box.text = "\n"
        ma = sub(plugin, "multianswer", id=self.ids("question_multianswer", q.key))
        fields(ma, [("question", qid), ("sequence", ",".join(str(i) for i in sub_ids))])

    def _gap_answers(self, plugin, q: Question, feedback_of) -> None:
        box = sub(plugin, "answers")
        for n, ch in enumerate(q.choices):
            ae = sub(box, "answer", id=self.ids("question_answer", f"{q.key}/a{n}"))
            fields(ae, [("answertext", ch.text), ("answerformat", 1), ("fraction", f7(0)),
                        ("feedback", feedback_of(ch)), ("feedbackformat", 0)])

    def _opts_ddwtos(self, plugin, q: Question, qid: int, _sub) -> None:
        def php(ch) -> str:
            g = str(ch.group)
            return (f'O:8:"stdClass":2:{{s:9:"draggroup";s:{len(g)}:"{g}";s:8:"infinite";'
                    f'b:{1 if q.infinite else 0};}}')
        self._gap_answers(plugin, q, php)
        dd = sub(plugin, "ddwtos", id=self.ids("question_ddwtos", q.key))
        fields(dd, [("shuffleanswers", 1 if q.shuffle else 0)] + self._combined(q) + [("shownumcorrect", 1)])

    def _opts_gapselect(self, plugin, q: Question, qid: int, _sub) -> None:
        self._gap_answers(plugin, q, lambda ch: str(ch.group))
        gs = sub(plugin, "gapselect", id=self.ids("question_gapselect", q.key))
        fields(gs, [("shuffleanswers", 1 if q.shuffle else 0)] + self._combined(q) + [("shownumcorrect", 1)])

    def _cloze_part(self, qs, q: Question, parent: int, part: ClozePart, sid: int, key: str) -> None:
        el = self._head(qs, sid, parent, q.name, html.escape(part.source, quote=False), "", float(part.weight), 0.0,
                        part.kind, 1, key)
        plugin = sub(el, f"plugin_qtype_{part.kind}_question")
        if part.kind == "multichoice":
            self._answers(plugin, key, part.answers, 1, text_of=lambda a: html.escape(a.text, quote=False))
            mc = sub(plugin, "multichoice", id=self.ids("qtype_multichoice_options", key))
            fields(mc, [("layout", part.layout), ("single", 1 if part.single else 0),
                        ("shuffleanswers", 1 if part.shuffle else 0),
                        ("correctfeedback", ""), ("correctfeedbackformat", 1), ("partiallycorrectfeedback", ""),
                        ("partiallycorrectfeedbackformat", 1), ("incorrectfeedback", ""),
                        ("incorrectfeedbackformat", 1), ("answernumbering", 0), ("shownumcorrect", 0),
                        ("showstandardinstruction", 0)])
        elif part.kind == "shortanswer":
            self._answers(plugin, key, part.answers, 0)
            sa = sub(plugin, "shortanswer", id=self.ids("qtype_shortanswer_options", key))
            fields(sa, [("usecase", 1 if part.usecase else 0)])
        else:
            self._numerical(plugin, key, part.answers, [], False, 1.0)
        self._tail(el, None, key)


def _stamp(course_id: str, kind: str, key: str) -> str:
    return f"coursepack+{stable_hex(course_id, kind, key, length=20)}"
