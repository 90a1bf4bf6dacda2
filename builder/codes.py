"""The catalogue of diagnostic codes.

Every problem coursepack reports has a stable code defined here, once. The
reference page ``docs/diagnostics.md`` is generated from this module
(``coursepack codes --format markdown``) and a test keeps the two in sync,
so the documentation never drifts from the code.

Ranges:
  CP0xx  files and paths          CP1xx  YAML and metadata
  CP2xx  Markdown, HTML, images   CP3xx  quizzes and questions
  CP4xx  frameworks, rubrics, competencies
  CP5xx  SCORM                    CP6xx  language
  CP9xx  the build itself (output folder, internal errors)
"""

from __future__ import annotations

from .diagnostics import Code, Severity

E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO

CATALOGUE: dict[str, Code] = {}


def _code(id: str, slug: str, severity: Severity, title: str, fix: str, explanation: str = "") -> Code:
    if id in CATALOGUE:
        raise RuntimeError(f"duplicate diagnostic code {id}")
    c = Code(id, slug, severity, title, fix, explanation)
    CATALOGUE[id] = c
    return c


# --- CP0xx: files and paths -------------------------------------------------
NOT_UTF8 = _code(
    "CP001", "not-utf8", E, "File is not valid UTF-8",
    "Save the file as UTF-8 (most editors have an 'Encoding' menu).",
    "Moodle and every SCORM player expect UTF-8. A file in another encoding would show garbled letters.")
FILE_TOO_LARGE = _code(
    "CP002", "file-too-large", E, "File is larger than the size limit",
    "Reduce the file: compress or resize the image, split the page or the PDF. The limits are 2 MB for a "
    "Markdown or YAML file and 10 MB for an image or other file.",
    "Very large files slow every import and are often added by mistake.")
PATH_ESCAPES = _code(
    "CP003", "path-escapes-course", E, "Path leaves the course folder",
    "Keep every referenced file inside the course folder and use a relative path such as `images/diagram.png`.",
    "Paths that leave the course folder (`../`, absolute paths, symbolic links pointing outside) would pull "
    "in files that are not part of the course and break when the repository moves.")
FILE_NOT_FOUND = _code(
    "CP004", "file-not-found", E, "Referenced file or folder does not exist",
    "Check the spelling and the letter case of the path; paths are relative to the file that mentions them.")
BOM = _code(
    "CP005", "byte-order-mark", W, "File starts with a byte-order mark",
    "Save the file as UTF-8 without BOM. coursepack ignores the mark, but other tools may not.")
CONTROL_CHARS = _code(
    "CP006", "control-character", E, "Text contains a control character",
    "Delete the invisible character at this position (often pasted from a word processor).",
    "Control characters are not allowed in XML, so Moodle and SCORM players would reject the package.")
RESERVED_NAME = _code(
    "CP007", "reserved-file-name", E, "File name is not portable",
    "Rename the file: avoid Windows reserved names (CON, PRN, AUX, NUL, COM1…), trailing dots or spaces, "
    "and the characters < > : \" \\ | ? *.",
    "Packages are opened on Windows machines too; such names cannot be extracted there.")
UNREADABLE = _code(
    "CP008", "unreadable-file", E, "File cannot be read",
    "Check the file permissions.")

# --- CP1xx: YAML and metadata -------------------------------------------------
YAML_SYNTAX = _code(
    "CP101", "yaml-syntax", E, "YAML syntax error",
    "Fix the YAML at the position shown: check indentation (spaces, not tabs) and quote values that "
    "contain a colon followed by a space.")
UNKNOWN_KEY = _code(
    "CP102", "unknown-key", E, "Unknown key",
    "Remove the key or correct its spelling; the message lists the keys allowed here.",
    "Unknown keys are errors so that a typo (`titel:`) never passes silently.")
MISSING_KEY = _code(
    "CP103", "missing-key", E, "Required key is missing",
    "Add the key; README.md describes every field.")
INVALID_VALUE = _code(
    "CP104", "invalid-value", E, "Value has the wrong type or is out of range",
    "Change the value to what the message asks for.")
DUPLICATE_KEY = _code(
    "CP105", "duplicate-key", E, "Key appears twice in one mapping",
    "Keep one of the two entries; YAML would otherwise silently keep only the last one.")
FRONT_MATTER = _code(
    "CP106", "front-matter", E, "Missing or unterminated YAML front matter",
    "Start the file with a line `---`, the YAML fields, and another line `---`.")
BAD_ID = _code(
    "CP107", "bad-id", E, "Identifier is not valid",
    "Use lowercase letters, digits and hyphens only, starting with a letter (for example `what-is-peer-support`).",
    "Identifiers become parts of file names and stable ids in the built packages.")
EMPTY_COURSE = _code(
    "CP108", "empty-course", E, "Course has no units",
    "List at least one unit under `units:` in course.yaml.")
DUPLICATE_ID = _code(
    "CP109", "duplicate-id", E, "Identifier is used twice",
    "Give each unit, page and course its own identifier.",
    "Identifiers derive the ids inside the built packages; two items with one id would overwrite each other.")
HOURS_MISMATCH = _code(
    "CP110", "hours-mismatch", E, "Unit hours do not add up to the course hours",
    "Adjust the `hours` of the units or of the course so that they agree.")
UNKNOWN_SOURCE = _code(
    "CP111", "unknown-source", E, "Source is not in the bibliography",
    "Add the source to sources.yaml at the top of the repository, or correct the reference.")
ORPHAN_UNIT = _code(
    "CP112", "unit-not-listed", W, "Unit folder is not listed in course.yaml",
    "Add the unit to `units:` in course.yaml, or delete it if it is no longer used.")
DUPLICATE_SHORTNAME = _code(
    "CP113", "duplicate-shortname", E, "Two courses use the same short name",
    "Give each course its own `shortname`: Moodle requires short names to be unique on a site.")
SOURCE_LINES = _code(
    "CP114", "source-lines", E, "Cited lines are outside the source document",
    "Correct the line range so that it falls within the document's lines in sources.yaml.")
EMPTY_UNIT = _code(
    "CP115", "empty-unit", E, "Unit has no pages",
    "Add at least one page: a level-1 heading in the unit file, or a Markdown file in the unit folder.")
FRAMEWORK_UNKNOWN = _code(
    "CP116", "unknown-framework", E, "Framework is not in frameworks/",
    "Use the id of a framework file in frameworks/ (its file name without .yaml).")
NO_COURSES = _code(
    "CP117", "no-courses", E, "No course found",
    "Run coursepack from the repository root, or pass the path of a course folder.")
TEXT_TOO_LONG = _code(
    "CP118", "text-too-long", E, "Text is longer than Moodle allows",
    "Shorten the text to the length the message gives.")

# --- CP2xx: Markdown, HTML, images -------------------------------------------
IMAGE_NOT_FOUND = _code(
    "CP201", "image-not-found", E, "Image file does not exist",
    "Check the image path: it is relative to the Markdown file, and letter case matters.")
IMAGE_NO_ALT = _code(
    "CP202", "image-missing-alt", E, "Image has no alternative text",
    "Describe the image in the brackets: `![A diagram of the recovery cycle](cycle.svg)`. "
    "Use `![](…){role=presentation}` only for purely decorative images.",
    "Screen-reader users rely on alternative text; accessibility rules require it.")
LINK_ESCAPES = _code(
    "CP203", "link-escapes-course", E, "Link points outside the course folder",
    "Link to a page of this course by its file name, or use a full https:// address for outside material.")
HEADING_SKIP = _code(
    "CP204", "heading-skips-level", W, "Heading skips a level",
    "Use the next heading level (for example `###` after `##`); levels structure the page for screen readers.")
HTML_NOT_ALLOWED = _code(
    "CP205", "html-not-allowed", E, "HTML that the sanitiser would remove",
    "Remove the element or attribute; use Markdown instead of raw HTML where possible.",
    "Pages are sanitised to what an LMS page should hold: no scripts, styles, forms, frames or event handlers.")
UNSAFE_URL = _code(
    "CP206", "unsafe-url", E, "Link or image uses an unsafe address",
    "Use an https:// or mailto: address, or a relative path to a file in the course.")
IMAGE_TYPE = _code(
    "CP207", "unsupported-image", E, "Image type is not supported",
    "Use PNG, JPEG, GIF, WebP or SVG; make sure the file content matches its extension.")
UNSAFE_SVG = _code(
    "CP208", "unsafe-svg", E, "SVG image contains unsafe or unparsable content",
    "Export the SVG again without scripts, event handlers, external references or DOCTYPE/entities.")
BROKEN_LINK = _code(
    "CP209", "broken-link", E, "Link to a course file that does not exist",
    "Check the link target; links to other pages use the Markdown file name, e.g. `[values](02-values.md)`.")
EMPTY_PAGE = _code(
    "CP210", "empty-page", E, "Page has no content",
    "Write the page, or remove it from the unit.")
TEXT_BEFORE_PAGE = _code(
    "CP211", "text-before-first-page", E, "Text before the first page heading",
    "Start every page of a unit file with a level-1 heading (`# Page title`); put the unit introduction "
    "in `summary:` of the front matter.")
PLAIN_HTTP = _code(
    "CP212", "insecure-link", W, "Link uses http:// instead of https://",
    "Use the https:// address; LMS pages served over https warn about or block insecure content.")
MARKDOWN_ERROR = _code(
    "CP213", "markdown-error", E, "Markdown could not be rendered",
    "Simplify the Markdown around this position; the message gives the renderer's complaint.")
LINK_TO_NON_PAGE = _code(
    "CP214", "link-to-unpublished-file", E, "Link to a course file that is not published",
    "Link to a page (a .md file of the course) or to an image; other files are not copied into the packages.")

# --- CP3xx: quizzes and questions ----------------------------------------------
UNKNOWN_QTYPE = _code(
    "CP301", "unknown-question-type", E, "Unknown question type",
    "Use one of: multichoice, truefalse, shortanswer, numerical, matching, essay, cloze, ddwtos, gapselect, "
    "description (see README, 'Quizzes and questions').")
NO_RIGHT_ANSWER = _code(
    "CP302", "no-right-answer", E, "Question has no right answer",
    "Mark the right answer with `[x]` (or a positive percentage such as `[50%]`).",
    "A learner could never score on this question; Moodle refuses to save it.")
CANNOT_REACH_FULL_MARKS = _code(
    "CP303", "cannot-reach-full-marks", E, "Answers cannot give full marks",
    "Make one answer worth 100% (single answer), or make the right answers add up to exactly 100% "
    "(several right answers).",
    "Moodle would refuse the question, or learners could never get full marks for it.")
INVALID_FRACTION = _code(
    "CP304", "invalid-fraction", E, "Percentage is not one Moodle accepts",
    "Use one of 100, 90, 83.33333, 80, 75, 70, 66.66667, 60, 50, 40, 33.33333, 30, 25, 20, 16.66667, "
    "14.28571, 12.5, 11.11111, 10, 5 or 0 (or its negative).",
    "Moodle's question import rejects any other grade for an answer.")
DUPLICATE_QUESTION = _code(
    "CP305", "duplicate-question-id", E, "Two questions have the same id",
    "Give one of them another `{#id}` in its heading (ids must be unique within a course and within questions/).",
    "The id becomes the question's ID number in Moodle and is how quizzes refer to it.")
CLOZE_SYNTAX = _code(
    "CP306", "cloze-syntax", E, "Embedded answer (cloze) cannot be read",
    "Write embedded answers as `{1:SHORTANSWER:=right#feedback~wrong#feedback}`; escape a literal `}`, `#` or "
    "`~` inside an answer with a backslash.")
TOO_FEW_PAIRS = _code(
    "CP307", "matching-too-few-pairs", E, "Matching question has too few pairs",
    "Give at least two `- item => match` pairs and at least three answers in all (add `- => extra answer`).",
    "Moodle needs two questions and three answers to save a matching question.")
RANDOM_TOO_LARGE = _code(
    "CP308", "random-draw-too-large", E, "Random draw asks for more questions than the category has",
    "Lower `count`, or add questions to the category. Questions the quiz already uses as fixed questions, "
    "and descriptions, cannot be drawn.")
UNKNOWN_QUESTION = _code(
    "CP309", "unknown-question", E, "Quiz refers to a question that does not exist",
    "Check the id in `questions:`; it must be the `{#id}` (or the name-derived id) of a question in a question file.")
UNKNOWN_CATEGORY = _code(
    "CP310", "unknown-question-category", E, "Random draw from a category that does not exist",
    "Use the file name (without .md) of a question file in the course's questions/ folder or in questions/.")
BAD_ANSWERS = _code(
    "CP311", "bad-answers", E, "Answers are missing or written wrongly for this question type",
    "See the table of question types in README: each type has its own answer list (or none).")
BAD_GAPS = _code(
    "CP312", "bad-gaps", E, "Drag-and-drop or select-missing-words gaps are wrong",
    "Write each right answer in the text as `[[answer]]` (or `[[answer|2]]` for group 2) and extra wrong "
    "choices as `- [ ] choice` items at the end.")
EMPTY_QUIZ = _code(
    "CP313", "empty-quiz", E, "Quiz has no questions",
    "Add questions (`## Question` sections), a `questions:` list or a `random:` draw.")
BAD_NUMBER = _code(
    "CP314", "bad-numerical-answer", E, "Numerical answer is not a number",
    "Write the answer as a plain number such as `4730` or `3.14 ± 0.01` (no thousands separators), or `*` "
    "for any other answer.")
SETTING_NOT_FOR_TYPE = _code(
    "CP315", "setting-not-for-type", E, "Setting does not apply to this question type",
    "Remove the setting, or change the question type.")
BAD_PASS_GRADE = _code(
    "CP316", "bad-pass-grade", E, "Grade to pass is above the maximum grade",
    "Lower `pass`, or raise `grade`.")
EMPTY_QUESTION = _code(
    "CP317", "empty-question", E, "Question has no text",
    "Write the question text below the heading (and its settings lines).")
QUESTION_USED_TWICE = _code(
    "CP318", "question-used-twice", E, "Question is used twice in one quiz",
    "Remove the repeated id from `questions:`; a question can fill only one slot of a quiz.")
UNKNOWN_SECTION = _code(
    "CP319", "unknown-question-section", E, "Unknown section heading in a question",
    "Use one of: Feedback, If correct, If partially correct, If incorrect, Hint, Response template, "
    "Grader information.")
FILE_IN_QUESTION = _code(
    "CP320", "file-in-question", E, "Images and links to course files are not supported in questions",
    "Describe the content in words, or put the image on a page before the quiz; link only to https:// addresses.",
    "Question files need their own file areas in the question bank, and the Moodle XML export cannot carry "
    "links to course pages; coursepack does not write either yet.")

# --- CP4xx: frameworks, rubrics, essays, competencies -------------------------
UNKNOWN_COMPETENCY = _code(
    "CP401", "unknown-competency", E, "Competency id is not in any framework",
    "Use a competency id from a file in frameworks/ (for example `HEE-PSW-2020.1.2`), or, in a course with a "
    "`framework:`, the part after the framework's ID number (`\"1.2\"`). Quote ids that look like numbers.",
    "Coverage and the competency links in Moodle are made from these ids; an unknown id would link nothing.")
COMPETENCY_NOT_LINKABLE = _code(
    "CP402", "competency-not-linkable", E, "Link points at a domain or at a competency that is not assessed",
    "Link the competency (or one of its indicators) inside the domain, not the domain itself; competencies of "
    "a domain marked `assessed: false` cannot be linked.",
    "Domains group competencies; learners are rated on competencies. A domain marked `assessed: false` is out "
    "of scope for these courses by design.")
RUBRIC_LEVELS_ORDER = _code(
    "CP403", "rubric-levels-out-of-order", E, "Rubric levels are not in ascending order of score",
    "List each criterion's levels from the lowest score to the highest, each score higher than the one before.",
    "Markers read a rubric row from left to right; Moodle shows the levels in the order they are written.")
DUPLICATE_CRITERION = _code(
    "CP404", "duplicate-criterion", E, "Two criteria of a rubric have the same id or description",
    "Give every criterion its own id and description, or merge the two.")
UNKNOWN_RUBRIC = _code(
    "CP405", "unknown-rubric", E, "Essay refers to a rubric that does not exist",
    "Create rubrics/<id>.yaml or correct the `rubric:` name (the file name without .yaml).")
FRAMEWORK_INVALID = _code(
    "CP406", "framework-invalid", E, "Framework file breaks a Moodle import rule",
    "Fix the item named: ids must be unique, ASCII without commas, at most 100 characters; names at most 100 "
    "characters; the file name must match `id:`.",
    "Moodle's framework importer silently drops or shortens such items, so links to them would be lost.")
DUE_WITHOUT_START = _code(
    "CP407", "due-without-start-date", E, "Essay has a due date but the course has no start date",
    "Add `start_date: YYYY-MM-DD` to course.yaml; due dates count from it and move with it when the course "
    "is restored with another start date.")
NO_FRAMEWORK = _code(
    "CP408", "competency-without-framework", W, "Competency links in a course with no framework",
    "Add `framework: <id>` to course.yaml so coverage can be reported against it.",
    "The links are still written, but no coverage is reported for a course without a framework.")
OTHER_FRAMEWORK = _code(
    "CP409", "competency-from-other-framework", W, "Competency is from another framework than the course's",
    "Link competencies of the course's own framework, or change `framework:` in course.yaml.",
    "Moodle accepts links to several frameworks, but the coverage report only counts the course's own.")
DUPLICATE_COMPETENCY_LINK = _code(
    "CP410", "duplicate-competency-link", W, "Competency listed twice",
    "Remove the repeated id.")
COVERAGE_BELOW = _code(
    "CP411", "coverage-below-threshold", E, "Competency coverage is below the required percentage",
    "Assess the competencies listed as gaps (a quiz question or a rubric criterion), or lower `--fail-under`.")

# --- CP5xx: SCORM ---------------------------------------------------------------
SCORM_STATE_TOO_LARGE = _code(
    "CP501", "scorm-state-too-large", E, "The learner's saved progress could outgrow SCORM's limit",
    "Split the course into smaller courses or shorten its quizzes (fewer questions, fewer free-text answers); "
    "SCORM 2004 allows 64,000 characters, so `--format scorm2004` may still build.",
)

# --- CP6xx: language -------------------------------------------------------------
_ALLOW_HOW = ("allow it: `allow_terms: [term]` in course.yaml, a unit's or a page's front matter, or a marker "
              "`<!-- coursepack: allow term -->` before the paragraph (`# coursepack: allow term` in YAML files)")
LANGUAGE_TERM = _code(
    "CP601", "language-term", W, "Term the seeds advise against when describing people",
    "Use the preferred phrasing the message gives. Where the term is quoted or discussed, put it in quotes or "
    + _ALLOW_HOW + ".",
    "Labels, diagnostic and deficit language work against the values of peer support. The list, with the seed "
    "lines behind each entry, is language.yaml at the repository root; quoted text and blockquotes are exempt.")
LANGUAGE_INFO = _code(
    "CP602", "language-check-context", I, "Term to check in its context",
    "Read the sentence again: keep the term if the context needs it (and " + _ALLOW_HOW + "), otherwise use the "
    "preferred phrasing the message gives.",
    "Entries marked `severity: info` in language.yaml are often fine (a proper name, a quotation, a discussion of "
    "the term) but worth a second look. Notes never fail a build, not even with --strict.")
LANGUAGE_ALLOW_UNUSED = _code(
    "CP603", "language-allow-unused", W, "Allowed term is not used where it is allowed",
    "Remove the term from `allow_terms:` or from the marker: the text it was written for no longer uses it "
    "outside quotes.",
    "A stale allow entry would silently let the term back in later.")
LANGUAGE_ALLOW_UNKNOWN = _code(
    "CP604", "language-allow-unknown", W, "Allowed term is not in language.yaml",
    "Name one of the forms (or the id) of an entry in language.yaml; check the spelling.")
LANGUAGE_LIST = _code(
    "CP605", "language-list-invalid", E, "language.yaml has an entry that cannot be used",
    "Fix the entry as the message says; the header of language.yaml describes the format.",
    "A broken entry is left out of the language check until it is fixed.")

# --- CP9xx: the build itself ---------------------------------------------------
OUTPUT_NOT_WRITABLE = _code(
    "CP901", "output-not-writable", E, "Cannot write the output",
    "Check that the output folder exists or can be created, is writable and that the disk has space.")
INTERNAL_ERROR = _code(
    "CP999", "internal-error", E, "Internal error in coursepack",
    "This is a bug in coursepack, not in your course. Please report it with the message shown.")


def catalogue_markdown() -> str:
    """The reference page of every code, generated from this module."""
    lines = [
        "# Diagnostic codes",
        "",
        "Generated by `coursepack codes --format markdown` from `builder/codes.py`; do not edit by hand.",
        "",
        "Every problem `coursepack check` reports has one of these codes. Errors stop a build; warnings do not,",
        "unless `--strict` is given; notes are for information only.",
        "",
        "| code | name | severity | what it means | how to fix it |",
        "|---|---|---|---|---|",
    ]
    for c in sorted(CATALOGUE.values(), key=lambda c: c.id):
        what = c.title + (f". {c.explanation}" if c.explanation else "")
        lines.append(f"| {c.id} | `{c.slug}` | {c.severity.value} | {_cell(what)} | {_cell(c.fix)} |")
    return "\n".join(lines) + "\n"


def _cell(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")
