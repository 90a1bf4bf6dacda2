"""A small framework, a rubric, an essay and competency links whose coverage is known by hand.

Framework demo-fw (in scope: 5 competencies):
  D1 Values:        1.1, 1.2
  D2 Skills:        2.1, 2.2, 2.3 (indicators 2.3.a, 2.3.b)
  D3 Organisations: 3.1  -- assessed: false (out of scope)

Course demo links:
  page first/01-hello          addresses 1.1            (page: not assessment)
  page first/02-table          addresses 2.2
  quiz first/03-quiz           q-one assesses 1.1, q-two assesses "2.1"
  essay first/04-essay         rubric demo-rubric: criterion listen -> DEMO-FW.1.2, criterion safe -> DEMO-FW.2.3.a

So by hand: assessed 1.1, 1.2, 2.1, 2.3 = 4 of 5 = 80%; gap 2.2 (taught on a page, not assessed);
3.1 out of scope.
"""

from conftest import COURSE_YAML, PAGE_HELLO, PAGE_TABLE

FRAMEWORK_PATH = "frameworks/demo-fw.yaml"
FRAMEWORK = """\
id: demo-fw
idnumber: DEMO-FW
shortname: Demo framework
name: A demo competency framework
description: A small framework for tests.
publisher: Test publisher
year: 2024
provenance:
  source: Demo framework document
  url: https://example.org/demo
scale:
  values: [Not yet competent, Competent]
  default: Competent
  proficient: [Competent]
taxonomies: [domain, competency, indicator]
domains:
  - id: DEMO-FW.D1
    number: "1"
    name: Values
    description: Values of the work.
    competencies:
      - id: DEMO-FW.1.1
        number: "1.1"
        name: Knows the values
      - id: DEMO-FW.1.2
        number: "1.2"
        name: Applies the principles
  - id: DEMO-FW.D2
    number: "2"
    name: Skills
    competencies:
      - id: DEMO-FW.2.1
        number: "2.1"
        name: Listens well
      - id: DEMO-FW.2.2
        number: "2.2"
        name: Shares experience with purpose
      - id: DEMO-FW.2.3
        number: "2.3"
        name: Keeps people safe
        indicators:
          - {id: DEMO-FW.2.3.a, tier: 1, name: Knows the safeguarding steps}
          - {id: DEMO-FW.2.3.b, tier: 2, name: Follows them under pressure}
  - id: DEMO-FW.D3
    number: "3"
    name: Organisations
    assessed: false
    reason: These apply to employers, not learners.
    competencies:
      - id: DEMO-FW.3.1
        number: "3.1"
        name: Supports its peer workers
"""

RUBRIC_PATH = "rubrics/demo-rubric.yaml"
RUBRIC = """\
name: Demo reflection rubric
description: For markers of the demo essay.
criteria:
  - id: listen
    description: Shows how listening helped.
    competencies: [DEMO-FW.1.2]
    levels:
      - {score: 0, definition: Not yet shown}
      - {score: 2, definition: Some examples}
      - {score: 4, definition: Clear and well linked}
  - id: safe
    description: Shares safely.
    competencies: [DEMO-FW.2.3.a]
    levels:
      - {score: 0, definition: Not yet shown}
      - {score: 3, definition: Shares with care}
"""

ESSAY_PATH = "courses/demo/units/first/04-essay.md"
ESSAY = """\
---
type: essay
title: A short reflection
description: Write about a time someone listened.
rubric: demo-rubric
word_limit: 300
submission: [online_text, file]
due: 2 weeks
pass: 50%
---
Write about a time someone **listened** to you. You choose what to share.
"""

QUIZ_PATH = "courses/demo/units/first/03-quiz.md"
QUIZ = """\
---
type: quiz
title: Quick check
pass: 50%
---
## Values {#q-one}
competencies: [DEMO-FW.1.1]

Is mutuality a value?

- [x] True
- [ ] False

## Listening {#q-two}
competencies: ["2.1"]

Which helps listening?

- [x] Silence
- [ ] Advice
"""


def comp_files(**over) -> dict[str, str | None]:
    files = {
        FRAMEWORK_PATH: FRAMEWORK,
        RUBRIC_PATH: RUBRIC,
        ESSAY_PATH: ESSAY,
        QUIZ_PATH: QUIZ,
        "courses/demo/course.yaml": COURSE_YAML.replace("units:", "framework: demo-fw\nstart_date: 2027-01-04\n"
                                                        "units:"),
        "courses/demo/units/first/01-hello.md": "---\ncompetencies: [\"1.1\"]\n---\n" + PAGE_HELLO,
        "courses/demo/units/first/02-table.md": PAGE_TABLE.replace("title: A table page",
                                                                   "title: A table page\ncompetencies: [DEMO-FW.2.2]"),
    }
    files.update(over)
    return files
