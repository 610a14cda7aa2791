"""Onboarding quiz for site staff: question bank, answer parsing, quiz logic, progress store."""
