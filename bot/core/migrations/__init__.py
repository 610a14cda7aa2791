"""The user database's schema history (Alembic): env.py and one module per revision in
versions/. Run by bot.core.migrate.upgrade, never by the `alembic` command's ini file."""
