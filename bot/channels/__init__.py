"""Rasa input channels: Slack and Microsoft Teams for staff, the web chat for patients.

Each channel marks its messages with metadata {"role": "staff" | "patient"}.
"""
