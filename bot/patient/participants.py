"""Participants and their personal web chat links.

Site staff enrol a participant by study ID (e.g. P-0042) and site; no name, and no phone
number (README "Participants and personal links" says why). Each enrolment makes a personal
link (bot.patient.links) valid for a number of days; enrolling again replaces the live link,
and revoking stops it at once: the web chat checks the link in the database on every message.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.core.sites import load_sites
from bot.core.userdb import UserBase, utcnow
from bot.patient.links import LinkRefused, link_id_of, new_link_id, sign

STUDY_ID = re.compile(r"[A-Z]{1,4}-\d{2,6}")  # P-0042
LINK_DAYS = 30
WEB_CHAT_PATH = "/webhooks/webchat/"


class Participant(UserBase):
    """A trial participant known to the bot by study ID and site only."""

    __tablename__ = "participants"
    id = Column(Integer, primary_key=True)
    study_id = Column(String, nullable=False, unique=True)
    site_id = Column(String, nullable=False, index=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)


class PersonalLink(UserBase):
    """One personal web chat link; its id is all its token names."""

    __tablename__ = "personal_links"
    id = Column(String, primary_key=True)
    participant_id = Column(Integer, ForeignKey("participants.id"), nullable=False, index=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    expires_at = Column(DateTime, nullable=False)
    revoked_at = Column(DateTime)


class EnrolmentError(ValueError):
    """A study ID, site or setting that enrolment cannot use; the message says which."""


@dataclass(frozen=True)
class Enrolled:
    """A participant's new personal link."""

    study_id: str
    site_id: str
    link_id: str
    url: str
    expires_at: datetime
    new_participant: bool


@dataclass(frozen=True)
class Binding:
    """Who a live personal link belongs to."""

    study_id: str
    site_id: str
    link_id: str


@dataclass(frozen=True)
class ParticipantRow:
    """A participant in the listing, with their live link if any."""

    study_id: str
    site_id: str
    created_at: datetime
    link_id: str | None
    expires_at: datetime | None


def normalise_study_id(text: str) -> str:
    """The study ID as stored ("p-0042" → "P-0042"); EnrolmentError when it is not one."""
    study_id = text.strip().upper()
    if not STUDY_ID.fullmatch(study_id):
        raise EnrolmentError(f"'{text.strip()}' is not a study ID like P-0042")
    return study_id


class ParticipantService:
    """Enrol, revoke, list, and check a link; the clock is injectable for tests."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        secret: str,
        public_url: str,
        default_site: str,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.sessions = sessions
        self.secret = secret
        self.public_url = public_url
        self.default_site = default_site
        self.clock = clock

    def enrol(self, study_id: str, site_id: str | None = None, days: int = LINK_DAYS) -> Enrolled:
        """Enrol the participant (or find them) and give them a new link, revoking older ones."""
        study_id = normalise_study_id(study_id)
        site_id = site_id or self.default_site
        if site_id not in load_sites()[0]:
            raise EnrolmentError(f"unknown site '{site_id}' (see sites.yml)")
        if days < 1:
            raise EnrolmentError("a link must be valid for at least one day")
        now = self.clock()
        link_id, expires_at = new_link_id(), now + timedelta(days=days)
        try:
            token = sign(link_id, expires_at, self.secret)
        except ValueError as error:
            raise EnrolmentError(f"{error}: set IAR_LINK_SECRET") from error
        with self.sessions.begin() as session:
            person = self._participant(session, study_id)
            new = person is None
            if person is None:
                person = Participant(study_id=study_id, site_id=site_id, created_at=now)
                session.add(person)
                session.flush()
            elif person.site_id != site_id:
                raise EnrolmentError(f"{study_id} is enrolled at site '{person.site_id}'")
            self._revoke_live(session, person.id, now)
            session.add(
                PersonalLink(id=link_id, participant_id=person.id, created_at=now, expires_at=expires_at)
            )
        return Enrolled(
            study_id, site_id, link_id, f"{self.public_url}{WEB_CHAT_PATH}#t={token}", expires_at, new
        )

    def revoke(self, reference: str) -> int:
        """Revoke a participant's live links (by study ID) or one link (by its id); how many."""
        now = self.clock()
        with self.sessions.begin() as session:
            if STUDY_ID.fullmatch(reference.strip().upper()):
                person = self._participant(session, reference.strip().upper())
                return self._revoke_live(session, person.id, now) if person else 0
            return int(
                session.execute(
                    update(PersonalLink)
                    .where(PersonalLink.id == reference.strip(), PersonalLink.revoked_at.is_(None))
                    .values(revoked_at=now),
                    execution_options={"synchronize_session": False},
                ).rowcount
            )

    def listing(self) -> list[ParticipantRow]:
        """Every participant, by study ID, with their live link's id and expiry."""
        now = self.clock()
        with self.sessions() as session:
            people = session.execute(select(Participant).order_by(Participant.study_id)).scalars()
            live = {
                link.participant_id: link
                for link in session.execute(
                    select(PersonalLink).where(
                        PersonalLink.revoked_at.is_(None), PersonalLink.expires_at > now
                    )
                ).scalars()
            }
            return [
                ParticipantRow(
                    p.study_id,
                    p.site_id,
                    p.created_at,
                    live[p.id].id if p.id in live else None,
                    live[p.id].expires_at if p.id in live else None,
                )
                for p in people
            ]

    def binding(self, token: str) -> Binding:
        """Whose link the token is, if it is signed, unexpired and not revoked; LinkRefused else."""
        now = self.clock()
        link_id = link_id_of(token, self.secret, now)
        with self.sessions() as session:
            found = session.execute(
                select(PersonalLink, Participant).join(Participant).where(PersonalLink.id == link_id)
            ).first()
        if found is None:
            raise LinkRefused("unknown link")
        link, person = found
        if link.revoked_at is not None:
            raise LinkRefused("link revoked", person.site_id)
        if link.expires_at <= now:
            raise LinkRefused("link expired", person.site_id)
        return Binding(person.study_id, person.site_id, link.id)

    @staticmethod
    def _participant(session: Session, study_id: str) -> Participant | None:
        found: Participant | None = session.execute(
            select(Participant).where(Participant.study_id == study_id)
        ).scalar_one_or_none()
        return found

    @staticmethod
    def _revoke_live(session: Session, participant_id: int, now: datetime) -> int:
        return int(
            session.execute(
                update(PersonalLink)
                .where(PersonalLink.participant_id == participant_id, PersonalLink.revoked_at.is_(None))
                .values(revoked_at=now),
                execution_options={"synchronize_session": False},
            ).rowcount
        )
