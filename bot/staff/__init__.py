"""Staff side: clinical shorthand, grading a reaction from its signs, follow-up questions."""
