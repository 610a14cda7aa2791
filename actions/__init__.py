"""Rasa SDK custom actions: thin adapters from Rasa trackers to the logic in bot/."""
