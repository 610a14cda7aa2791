"""IAR Assistant: domain core (knowledge base, triage, quiz, NLP, channels, CLI)."""
