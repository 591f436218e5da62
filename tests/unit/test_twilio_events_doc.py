"""docs/api.md's table of Twilio error codes says what the code does with each one."""

from __future__ import annotations

import re

from shared.events.twilio_events import ERROR_CODES, Handling
from tests.conftest import REPO_ROOT

ROW = re.compile(r"^\| (\d{5}) \| (.+?) \| (.+?) \|$", re.MULTILINE)
DOES = {Handling.EVALUATE: "evaluates the trunk group", Handling.OBSERVE: "records it"}


def test_the_api_doc_lists_every_code_the_table_acts_on_and_what_it_does() -> None:
    section = (REPO_ROOT / "docs" / "api.md").read_text().split("### `POST /api/twilio/events`")[1]
    rows = {int(code): (meaning, does) for code, meaning, does in ROW.findall(section)}
    assert set(rows) == set(ERROR_CODES)
    for code, row in ERROR_CODES.items():
        meaning, does = rows[code]
        assert does.startswith(DOES[row.handling]), code
        if code != 32206:  # its title is not confirmed; the doc says so instead
            assert meaning == row.meaning, code
