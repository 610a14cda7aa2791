"""Alembic's entry point: migrate the connection bot.core.migrate hands over, in its transaction.

The URL never comes from an ini file: the caller opened the connection from the Settings
(IAR_USER_DB_URL), so the bot, the CLI and the tests migrate the very database they use.
"""

from __future__ import annotations

from alembic import context

config = context.config
context.configure(
    connection=config.attributes["connection"],
    target_metadata=config.attributes.get("target_metadata"),
    render_as_batch=True,
)  # SQLite alters a table by copying it
with context.begin_transaction():
    context.run_migrations()
