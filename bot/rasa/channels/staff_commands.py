"""Commands site staff type in Slack or Teams, answered by the channel before NLU.

    enrol P-0042 [site <id>] [days <n>]   enrol a participant; the reply holds their link

A command changes data, so it never rests on an NLU guess, and only the staff channels run
it: Slack (requests signed with the app's secret) and Teams (Bot Framework tokens from the
configured tenant). The patient channels (web chat, REST) never do: a patient who types
"enrol P-0042" gets the bot's usual reading of their message.
"""

from __future__ import annotations

import asyncio
import re

from bot.app import build_app
from bot.core.settings import Settings
from bot.core.sites import get_site
from bot.patient.participants import LINK_DAYS, EnrolmentError, ParticipantService

ENROL = re.compile(
    r"enrol\s+(?P<study>\S+)(?:\s+site\s+(?P<site>\S+))?"
    r"(?:\s+days\s+(?P<days>\d{1,3}))?",
    re.IGNORECASE,
)


class StaffCommands:
    """The staff channels' commands, on this process's participants."""

    def __init__(self, participants: ParticipantService) -> None:
        self.participants = participants

    @classmethod
    def from_env(cls) -> StaffCommands:
        return cls(build_app(Settings.from_env()).participants)

    async def reply(self, text: str) -> str | None:
        """The command's reply, or None when the text is no command (the bot answers it)."""
        found = ENROL.fullmatch(" ".join(text.split()))
        if found is None:
            return None
        try:
            done = await asyncio.to_thread(
                self.participants.enrol, found["study"], found["site"], int(found["days"] or LINK_DAYS)
            )
        except EnrolmentError as error:
            return f"Not enrolled: {error}."
        return (
            f"{'Enrolled' if done.new_participant else 'New link for'} {done.study_id} at "
            f"{get_site(done.site_id).name}. Their personal web chat link, valid until "
            f"{done.expires_at:%Y-%m-%d} (any older link no longer works); give it to the "
            f"participant only:\n{done.url}"
        )
