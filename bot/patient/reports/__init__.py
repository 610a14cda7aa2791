"""Patient reports and their alert outbox, in the user database (bot.core.userdb).

`models` holds the tables, `store` saves a finished report together with its
alert (one transaction), `spool` keeps the reports the database could not take
until it is back, `export` lists and exports reports for the CLI.
"""
