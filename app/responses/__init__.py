"""Responses: "you said, we did" (issue 17). Decisions linked to what children said, a response per theme with a
child's version, commitments and their progress, the promised date kept visible, and every child hearing back."""
