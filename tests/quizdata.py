"""A quiz with one question of every type, a course question file and a shared one (test data)."""

QUIZ_PATH = "courses/demo/units/first/03-quiz.md"
BANK_PATH = "courses/demo/questions/extra.md"
SHARED_PATH = "questions/common.md"

QUIZ = """\
---
type: quiz
title: Check your understanding
pass: 60%
grade: 10
attempts: 2
behaviour: interactive
per_page: 2
questions: [extra-two, common-one]
random:
  - {category: extra, count: 1, mark: 2}
---
An introduction to the quiz.

## One right answer {#mc-single}
mark: 2
tags: [values, Mutuality]
sources: [{ref: doc-a, lines: "5-6"}]

Which value is about **learning from each other**?

- [x] Mutuality
  > Yes: both people learn.
- [ ] Safety
  > Not this one.
- [50%] Reciprocity
  > Close.

### Feedback
Mutuality is one of the values.

### Hint
Think of *mutual*.

## Several right answers {#mc-multi}

Select the two values.

- [x] Mutuality
- [x] Hope
- [ ] Fear
  > Not a value.

## True or false {#tf}

Peer support rests on shared experience.

- [ ] False
  > It does.
- [x] True
  > Right.

## Short answer {#sa}
type: shortanswer
case_sensitive: true

Name the kind of knowledge.

- [x] experiential
- [80%] lived*
- [ ] *
  > Think again.

## Numerical {#num}
type: numerical
units: [{unit: h, multiplier: 1}, {unit: min, multiplier: 60}]

How many hours is the course?

- [x] 2 ± 0.5
  > Right.
- [ ] *

## Matching {#match}

Match the values.

- Mutuality => learning both ways
- Hope => believing change is possible
- => being told what to do

## Essay {#essay}
type: essay
min_words: 50
max_words: 300
lines: 10

Describe a time someone helped you.

### Response template
I remember when…

### Grader information
Look for a link to shared experience.

## Cloze {#cloze}
type: cloze

The first PSWs were employed in {2:NUMERICAL:=2009:0#Right~*#No}. Peer support rests on
{1:SHORTANSWER:=experiential#Yes~%50%lived#Half~*#No} knowledge, in a {1:MULTICHOICE:=mutual#Yes~one-way#No} relationship.

## Drag and drop {#dd}
type: ddwtos

Peer support grows [[hope]] and [[trust|2]].

- [ ] fear
- [ ] doubt|2

## Select missing words {#gs}
type: gapselect

A relationship of [[equals]].

- [ ] experts

## About the next part {#desc}
type: description

The next questions are about values.
"""

BANK = """\
---
name: Extra questions
info: Questions the quizzes can draw on.
---
## Extra one {#extra-one}

Pick the right one.

- [x] Right
- [ ] Wrong

## Extra two {#extra-two}

Pick the right one again.

- [x] Right
- [ ] Wrong

## Extra three {#extra-three}

And once more.

- [x] True
- [ ] False
"""

SHARED = """\
---
name: Shared questions
---
## Common one {#common-one}

A question several courses use.

- [x] Yes
- [ ] No
"""


def quiz_files(quiz: str = QUIZ) -> dict[str, str]:
    return {QUIZ_PATH: quiz, BANK_PATH: BANK, SHARED_PATH: SHARED}
