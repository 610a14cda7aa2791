"""SQLAlchemy tables of the knowledge database (built from knowledge/*.yml)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, ForeignKey, Integer, String, Text
from sqlalchemy.orm import declarative_base, relationship

Base: Any = declarative_base()  # SQLAlchemy 1.4 has no types: its models are Any


class Source(Base):
    """A cited document: a numbered reference of the protocol or another source."""

    __tablename__ = "sources"
    id = Column(String, primary_key=True)
    tag = Column(String, nullable=False)
    title = Column(Text, nullable=False)
    publisher = Column(Text)
    note = Column(Text)


class Topic(Base):
    """A subject area the assistant covers."""

    __tablename__ = "topics"
    id = Column(String, primary_key=True)
    label = Column(Text, nullable=False)
    position = Column(Integer, nullable=False)


class Entry(Base):
    """One reviewed passage of protocol content with its citations."""

    __tablename__ = "entries"
    id = Column(String, primary_key=True)
    topic_id = Column(String, ForeignKey("topics.id"), nullable=False)
    title = Column(Text, nullable=False)
    intent = Column(String, index=True)
    answer = Column(Text, nullable=False)
    source_label = Column(Text, nullable=False)
    file = Column(String, nullable=False)
    conditions = relationship("Condition", cascade="all, delete-orphan", lazy="selectin")
    citations = relationship(
        "Citation", cascade="all, delete-orphan", order_by="Citation.position", lazy="selectin"
    )


class Condition(Base):
    """One allowed value of an entity constraint of an entry (`when:` in YAML)."""

    __tablename__ = "conditions"
    id = Column(Integer, primary_key=True)
    entry_id = Column(String, ForeignKey("entries.id"), nullable=False, index=True)
    entity = Column(String, nullable=False)
    value = Column(String, nullable=False)


class Citation(Base):
    """Link from an entry to a source, in the order the entry cites them."""

    __tablename__ = "citations"
    id = Column(Integer, primary_key=True)
    entry_id = Column(String, ForeignKey("entries.id"), nullable=False, index=True)
    source_id = Column(String, ForeignKey("sources.id"), nullable=False)
    position = Column(Integer, nullable=False)
    source = relationship("Source", lazy="joined")


class Vocabulary(Base):
    """Word lists from the knowledge files, e.g. severity words mapped to grades."""

    __tablename__ = "vocabulary"
    id = Column(Integer, primary_key=True)
    kind = Column(String, nullable=False, index=True)
    word = Column(String, nullable=False)
    value = Column(String, nullable=False)
