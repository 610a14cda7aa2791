"""The composition root: the services of every journey, built once from the Settings.

An entry point (the action server, the CLI, a test) builds `Settings.from_env()` (or its
own Settings), calls `build_app` once and passes the App on; `create_schema` is the one
explicit step that migrates the user database's tables (Alembic) (run at start-up by the action
server and the alert dispatcher, and by tests on a fresh database).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

import bot.patient.privacy  # noqa: F401  (its model: erasure requests)
import bot.patient.reports.models  # noqa: F401  (patient reports, alert outbox)
import bot.quiz.store  # noqa: F401  (quiz attempts and answers)
from bot.core.migrate import upgrade
from bot.core.settings import Settings
from bot.core.userdb import engine_for, sessions_on
from bot.kb.queries import KnowledgeBase
from bot.patient.participants import ParticipantService
from bot.patient.service import PatientService
from bot.quiz.answers import reads_as_choice
from bot.quiz.bank import QUIZ_FILE, load_bank
from bot.quiz.service import QuizService
from bot.staff.service import StaffService

log = logging.getLogger(__name__)


def create_schema(engine: Engine) -> None:
    """Migrate the user database to the newest schema (bot.core.migrate). Tried twice: two
    servers starting together on SQLite can both begin the same revision, and the second
    attempt finds it done."""
    try:
        upgrade(engine)
    except (IntegrityError, OperationalError, ProgrammingError):
        upgrade(engine)


@dataclass
class App:
    """One process's services; the knowledge base is opened on first use (patients need none)."""

    settings: Settings
    engine: Engine = field(init=False)
    sessions: sessionmaker[Session] = field(init=False)
    schema_ready: bool = field(default=False, init=False)  # create_schema has succeeded

    def __post_init__(self) -> None:
        self.engine = engine_for(self.settings.user_db_url)
        self.sessions = sessions_on(self.engine)

    def create_schema(self) -> bool:
        """The tables, if the database is reachable; False (logged) when it is not yet: reports
        are spooled meanwhile and the dispatcher tries again on its next pass."""
        try:
            create_schema(self.engine)
        except SQLAlchemyError as error:
            log.warning(
                "user database unavailable (%s); tables not created yet", str(error).splitlines()[0][:200]
            )
            return False
        self.schema_ready = True
        return True

    @cached_property
    def patient(self) -> PatientService:
        return PatientService(self.settings.site, self.sessions, self.settings.public_url)

    @cached_property
    def participants(self) -> ParticipantService:
        return ParticipantService(
            self.sessions, self.settings.link_secret, self.settings.public_url, self.settings.site.id
        )

    @cached_property
    def knowledge_base(self) -> KnowledgeBase:
        return KnowledgeBase(self.settings.kb_path)

    @cached_property
    def staff(self) -> StaffService:
        return StaffService(self.knowledge_base, reads_as_choice)

    @cached_property
    def quiz(self) -> QuizService:
        return QuizService(load_bank(QUIZ_FILE, self.knowledge_base), self.sessions)


def build_app(settings: Settings) -> App:
    """The services for these settings (no database call is made here)."""
    return App(settings)
