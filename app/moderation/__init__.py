"""Moderation of children's free text (MOD-01 … MOD-22, SG-01 … SG-07).

``app.moderation.screening`` is the automated first pass: it normalises a comment, finds personal details,
unkind words and safeguarding signals, and says which queue the comment belongs in. Human review always
follows (MOD-01, MOD-11); the lexicons it uses live in ``app/moderation/data/`` and are reviewed like code.
"""
