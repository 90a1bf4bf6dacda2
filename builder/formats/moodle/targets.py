"""The Moodle versions a backup can be written for.

One backup format cannot serve every Moodle: 5.0 moved question banks from
the course context into activities (mod_qbank), and 4.1 predates the 4.3
quiz changes (random-question filter format, quiz grade items). So
``coursepack build --moodle`` picks a target; the default is the newest.

Version fields are the *first* release of each line, so that any later
point release restores the file without the "backup is newer than this
site" precheck warning (see shared/reference/MOODLE_LTS_DIFFERENCES.md §2.1).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MoodleTarget:
    key: str                   # what --moodle takes
    label: str                 # for README / messages
    moodle_version: str        # moodle_backup.xml <moodle_version>
    moodle_release: str
    backup_version: str
    backup_release: str
    module_version: int        # module.xml version attribute (quiz needs >= 2022020300)
    question_bank: str         # "course": course-context categories; "qbank": a mod_qbank activity
    legacy_random_filter: bool  # pre-4.3 {"questioncategoryid":…} random-slot filter
    quiz_grade_items: bool     # quiz_grade_items / quizgradeitemid exist (4.3+)
    restores_on: str           # plain words for README and --help
    questionbank_setting: bool = False  # root setting "questionbank" (4.5 writes it; 4.1 logs it as unknown)


TARGETS: dict[str, MoodleTarget] = {
    "4.1": MoodleTarget(
        key="4.1", label="Moodle 4.1 LTS",
        moodle_version="2022112800", moodle_release="4.1 (Build: 20221128)",
        backup_version="2022112800", backup_release="4.1", module_version=2022112800,
        question_bank="course", legacy_random_filter=True, quiz_grade_items=False,
        restores_on="Moodle 4.1 to 4.4",
    ),
    "4.5": MoodleTarget(
        key="4.5", label="Moodle 4.5 LTS",
        moodle_version="2024100700", moodle_release="4.5 (Build: 20241007)",
        backup_version="2024100700", backup_release="4.5", module_version=2024100700,
        question_bank="course", legacy_random_filter=False, quiz_grade_items=True,
        restores_on="Moodle 4.5 LTS (any 4.5.x)", questionbank_setting=True,
    ),
    "5.0": MoodleTarget(
        key="5.0", label="Moodle 5.x",
        moodle_version="2025041400", moodle_release="5.0 (Build: 20250414)",
        backup_version="2025041400", backup_release="5.0", module_version=2025041400,
        question_bank="qbank", legacy_random_filter=False, quiz_grade_items=True,
        restores_on="Moodle 5.0, 5.1 and later",
    ),
}
DEFAULT_TARGET = "5.0"
