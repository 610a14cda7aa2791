"""Rasa input channels: Slack and Microsoft Teams for staff, the web chat for patients, and
REST (rest.py); safety.py holds the size cap and the safe reply that REST and web chat share.

Slack, Teams and the web chat mark their messages with metadata {"role": "staff" | "patient"};
REST passes on the metadata its client sends.
"""
